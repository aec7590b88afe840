"""The one strict reader of YAML files (fleet files, mlws.yaml): what PyYAML's safe loader takes silently and a
reviewer would not see is refused, with the file, line and column.

- A key given twice in one mapping (PyYAML keeps the last one: a second `environments:` would drop the first).
- Anchors, aliases and merge keys (`&name`, `*name`, `<<:`): a few lines of aliases expand to billions of values
  (the "billion laughs"), and a value defined elsewhere is a value the reader of the line does not see.
- Nesting deeper than MAX_DEPTH: no file of mlws nests so deep, and recursion would end in a crash.

Only YAML's plain values are built (a SafeLoader: no Python objects).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from toolkit import jsonfile
from toolkit.errors import BadInput

MAX_DEPTH = 100


@functools.cache
def _strict_loader():
    import yaml

    class StrictLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise yaml.composer.ComposerError(
                    None, None, "anchors and aliases (&name, *name) are not read: write the value out",
                    event.start_mark,
                )  # fmt: skip
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise yaml.constructor.ConstructorError(
                        None, None, "merge keys (<<) are not read: write the keys out", key_node.start_mark
                    )
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    continue  # SafeLoader refuses it itself, with its line
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        f"in the mapping that starts on line {node.start_mark.line + 1}", None,
                        f"key {key!r} is given twice (first on line {seen[key]})", key_node.start_mark,
                    )  # fmt: skip
                seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def read_yaml(path: Path | str, what: str) -> Any:
    """The YAML document in `path`, read strictly (see the module docstring); BadInput naming the file, the line and
    column, and `what` the file is ("fleet file", "configuration file")."""
    import yaml

    text = jsonfile.read_text(path)
    try:
        return yaml.load(text, Loader=_strict_loader())  # noqa: S506 - a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(f"{path}: {where}{problem} (not a YAML {what})") from None
