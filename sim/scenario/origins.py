"""Which file of an ``extends`` chain set each entry of a scenario's id lists, so that an error found
after merging (a lever's target, a known project's park) names the user's file and the entry's id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ScenarioError


def shown(path: Path | str) -> str:
    """A file as the user would name it: relative to the working folder when inside it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class EntryFiles:
    """The files of a scenario's ``extends`` chain (parent first) and, per entry ``(list, id)``, the
    files that mention it with the keys each sets. ``str()`` is the scenario file given."""

    def __init__(self, top: str, chain: list[Path] | tuple[Path, ...] = (),
                 entries: dict[tuple[str, str], list[tuple[Path, set]]] | None = None) -> None:
        self.top = top
        self.chain = list(chain)
        self.entries = entries or {}

    def __str__(self) -> str:
        return self.top

    def file(self, name: str, ident: str, field: str | None = None) -> str:
        """The last file in the chain that sets ``field`` of entry ``ident`` of list ``name`` (or
        mentions the entry); the top file if none does."""
        files = self.entries.get((name, str(ident)), [])
        setting = [f for f, keys in files if field is None or field in keys]
        pick = setting or [f for f, _ in files]
        return shown(pick[-1]) if pick else self.top


def entry_error(src: Any, name: str, ident: str, key: str, value: Any, expected: str) -> ScenarioError:
    """A one-line error about ``<name>.<ident>.<key>`` (the dotted path ``--set`` takes), naming the
    file that set it when ``src`` is an :class:`EntryFiles` (a plain string names itself)."""
    where = src.file(name, ident, key.split(".")[0]) if isinstance(src, EntryFiles) else str(src)
    return ScenarioError(where, f"{name}.{ident}.{key}", value, expected)
