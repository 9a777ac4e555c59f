"""User-facing errors: one line naming the file, the key or column, the value and what was expected.

Anything raised as a :class:`UserError` is the user's mistake (exit code 2); every other exception is
our bug (exit code 1).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

# characters that end a line for str.splitlines(): replaced by a space so that a message stays one
# line; other whitespace (a no-break space in a key, say) is kept, so the message names the key as
# the user wrote it
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


class UserError(Exception):
    """A mistake in the user's input. ``str(err)`` is the one-line message shown on stderr."""

    def __init__(self, where: str, key: str | None = None, value: Any = None,
                 expected: str | None = None, *, message: str | None = None) -> None:
        self.where = str(where)
        self.key = key
        self.value = value
        self.expected = expected
        if message is None:
            parts = [self.where]
            if key:
                parts.append(str(key))
            text = ": ".join(parts)
            if expected is not None:
                text += f": got {_short(value)}; expected {expected}"
            message = text
        super().__init__(_LINE_BREAKS.sub(" ", message).strip())


class ScenarioError(UserError):
    """A bad scenario file or override."""


class DataError(UserError):
    """A bad data file in ``scenarios/data/``."""


def read_user_text(path, noun: str, fmt: str, error: type[UserError] = UserError,
                   encoding: str = "utf-8") -> tuple[bytes, str]:
    """The bytes and decoded text of a user's input file (a scenario, an experiment, a data table):
    a missing file, a folder, a binary file or bad encoding is one line of ``error`` naming the file
    and what was expected (``noun``: "data", "scenario" …; ``fmt``: "CSV", "YAML scenario" …)."""
    if not path.exists():
        raise error(str(path), message=f"{path}: {noun} file not found; expected an existing {fmt} file")
    if path.is_dir():
        raise error(str(path), message=f"{path}: is a folder; expected a {fmt} file")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise error(str(path), message=f"{path}: binary file; expected a UTF-8 {fmt} file")
    try:
        return raw, raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(str(path), message=(
            f"{path}: not UTF-8 (byte {exc.start}); expected a UTF-8 {fmt} file")) from None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class CommandParser(argparse.ArgumentParser):
    """The argument parser of every command: a bad option or argument is the user's mistake (one
    line, exit code 2, through :class:`UserError`); ``--help`` prints usage and exits 0 (argparse's
    ``SystemExit``, which ``sim.cli.main`` turns into the return code)."""

    def error(self, message: str):
        raise UserError(self.prog, message=f"{self.prog}: {message}")
