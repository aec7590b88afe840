"""Plain text in and out: the table layout of `to_text()` renderings, and `NAME=VALUE` options."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from toolkit.errors import BadInput


def parse_pairs(texts: Iterable[str], flag: str, example: str, *, empty_values: bool = False) -> dict[str, str]:
    """`NAME=VALUE` options as a dict; BadInput naming the flag for a malformed or repeated one (an empty VALUE
    only with `empty_values`, e.g. a tag)."""
    pairs: dict[str, str] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not (value or empty_values):
            raise BadInput(f"{flag} {text!r}: expected NAME=VALUE, e.g. {flag} {example}")
        if name in pairs:
            raise BadInput(f"{flag}: {name!r} is given twice")
        pairs[name] = value
    return pairs


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Rows as a GitHub-flavoured markdown table (a pull-request comment); `|` and newlines in cells escaped."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, columns)) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(str(value)) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Rows under a header, columns left-aligned to their widest cell, two spaces apart, no trailing blanks."""
    cells = [list(columns), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in cells)
