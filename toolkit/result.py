"""The one result type: what every library call behind a command returns.

A result carries its data (`to_json()`, what -o json/yaml show), its readable form (`to_text()`, and
`to_table()` for -o table) and its `exit_code`. The command line renders any result in one place
(toolkit.cli.render.emit); the library never prints.

Most operations have their own result (a validation report, a plan, an operation's outcome). Two generic
ones cover the rest: `Shown`, one object as the service returned it with its readable lines, and
`Listing`, many objects with the columns of their table. `to_markdown()` (-o markdown) is for a pull-request
comment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ExitCode


class Result:
    """Data, text and an exit code; subclasses give `to_json` and `to_text`."""

    exit_code: int = ExitCode.OK

    def to_json(self) -> Any:
        raise NotImplementedError

    def to_text(self) -> str:
        raise NotImplementedError

    def to_table(self) -> str:
        return self.to_text()

    def to_markdown(self) -> str:
        """For a pull-request comment: the text in a fenced block, unless the result has a table of its own."""
        return f"```\n{self.to_text()}\n```"


@dataclass
class Shown(Result):
    """One object (or an answer) with its readable lines."""

    data: Any
    text: str
    exit_code: int = ExitCode.OK

    def to_json(self) -> Any:
        return self.data

    def to_text(self) -> str:
        return self.text


@dataclass(frozen=True)
class Column:
    title: str
    cell: Callable[[Any], str]


@dataclass
class Listing(Result):
    """Objects and their table. `rows_of` turns one object into its rows (usually one); the text form is the
    table, or with `text_columns` the first columns without a header (for `grep` and `cut`)."""

    items: list[Any]
    columns: Sequence[Column]
    empty: str  # what the text says when there is nothing: "no web services"
    text_columns: int | None = None
    rows_of: Callable[[Any], list[list[str]]] | None = None
    data: Any = field(default=None)  # what -o json shows, when it is more than the items
    exit_code: int = ExitCode.OK

    def to_json(self) -> Any:
        return self.items if self.data is None else self.data

    def rows(self) -> list[list[str]]:
        if self.rows_of is not None:
            return [row for item in self.items for row in self.rows_of(item)]
        return [[column.cell(item) for column in self.columns] for item in self.items]

    def to_table(self) -> str:
        from toolkit.text import table

        rows = self.rows()
        if not rows:
            return self.empty
        return table([column.title for column in self.columns], rows)

    def to_markdown(self) -> str:
        from toolkit.text import markdown_table

        rows = self.rows()
        return markdown_table([column.title for column in self.columns], rows) if rows else self.empty

    def to_text(self) -> str:
        if self.text_columns is None:
            return self.to_table()
        rows = self.rows()
        if not rows:
            return self.empty
        return "\n".join(" ".join(row[: self.text_columns]) for row in rows)
