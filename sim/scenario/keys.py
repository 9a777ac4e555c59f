"""Dotted scenario keys: the one rule that ``--set`` (run, compare, sweep, validate's scenarios) and
experiment / calibration files use to address and change a scenario value.

* ``parameters.beta``: nested mappings.
* ``levers.<id>.<field>``: entries of the id lists (:data:`ID_LISTS`) are addressed by their id.
* ``levers.<id>.value=X`` on a dated schedule keeps its dates and scales it so that its largest value
  becomes X (zeros stay zero, so a lever that ends stays ended; a flat schedule ``{2023-09: 0.3}``
  becomes ``{2023-09: X}``, i.e. X from its first date on).
* ``levers.<id>.value.<date>=X`` sets one dated point of a schedule (added if the date is new; the
  date is compared as a date, so ``2024`` and ``2024-01`` are the same point).
"""

from __future__ import annotations

from typing import Any

from ..dates import parse_date

ID_LISTS = ("levers", "new_parks", "anchors", "targets", "known_projects")
SCHEDULE_FIELDS = ("value", "budget_wan_per_year", "cost_wan")  # lever fields that take dated values


class KeyPathError(KeyError):
    """A dotted key that does not address a value of the scenario: ``key`` (the part that failed)
    and ``expected`` (what it should be), for the caller's one-line error."""

    def __init__(self, key: str, expected: str) -> None:
        self.key = key
        self.expected = expected
        super().__init__(f"{key}: expected {expected}")

    def __str__(self) -> str:  # KeyError would quote it
        return self.args[0]


def scale_schedule(old: Any, v: Any) -> Any:
    """A dated schedule keeps its dates; its largest value becomes ``v`` (zeros stay zero)."""
    if not isinstance(old, dict) or not old or isinstance(v, (dict, list, bool)):
        return v
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in old.values()):
        return v
    peak = max(old.values(), key=abs)
    if peak == 0:
        return {d: v for d in old}
    return {d: (x / peak) * v for d, x in old.items()}


def _date_key(schedule: dict, text: str, key: str) -> Any:
    """The key of ``schedule`` that is the same date as ``text``, or ``text`` as a new key."""
    try:
        when = parse_date(text)
    except ValueError:
        raise KeyPathError(key, f"a date like 2024, 2026-07 or 2025Q2 after the field (got {text!r})") from None
    for k in schedule:
        try:
            if abs(parse_date(k) - when) < 1e-9:
                return k
        except ValueError:
            continue
    return int(text) if text.isdigit() else text


def set_dotted(data: dict, key: str, value: Any, *, create: bool = False) -> None:
    """Set ``key`` (dotted, see the module doc) in ``data`` to ``value``, in place.

    ``create``: missing mappings and keys are created (``--set`` on a scenario as written, before
    defaults are filled in); otherwise a key must exist (experiment files set keys of a validated,
    resolved scenario; only ``trends.<which>.<place>`` may be new). Raises :class:`KeyPathError`.
    """
    parts = key.split(".")
    cur: Any = data
    i = 0
    while i < len(parts) - 1:
        p = parts[i]
        nxt = cur.get(p)
        if isinstance(nxt, list) and p in ID_LISTS:
            ident = parts[i + 1]
            entry = next((e for e in nxt if isinstance(e, dict) and str(e.get("id")) == ident), None)
            if entry is None:
                ids = [str(e.get("id")) for e in nxt if isinstance(e, dict)]
                raise KeyPathError(".".join(parts[:i + 2]),
                                   f"the id of one of the scenario's {p} (ids: {', '.join(ids) or 'none'})")
            cur = entry
            i += 2
            if i == len(parts):
                raise KeyPathError(key, f"a field of {p} entry {ident!r} after its id (e.g. {p}.{ident}.value)")
            if (p == "levers" and i == len(parts) - 2 and parts[i] in SCHEDULE_FIELDS):
                return _set_point(cur, parts[i], parts[i + 1], value, key)
            continue
        if isinstance(nxt, list):
            raise KeyPathError(".".join(parts[:i + 1]), f"a mapping (it is a list; entries by id only "
                               f"in {', '.join(ID_LISTS)})")
        if nxt is None:
            if create or p == "trends" or parts[0] == "trends":
                nxt = cur[p] = {}
            else:
                raise KeyPathError(".".join(parts[:i + 1]), "a key of the base scenario")
        if not isinstance(nxt, dict):
            raise KeyPathError(".".join(parts[:i + 1]), f"a mapping (it is a {type(nxt).__name__})")
        cur = nxt
        i += 1
    last = parts[-1]
    if not (create or last in cur or (parts[0] == "trends" and len(parts) == 3)):
        raise KeyPathError(key, "a key of the base scenario")
    cur[last] = scale_schedule(cur.get(last), value)


def _set_point(entry: dict, fld: str, date_text: str, value: Any, key: str) -> None:
    """``levers.<id>.<field>.<date>=X``: one dated point of a lever's schedule."""
    sched = entry.get(fld)
    if not isinstance(sched, dict):
        raise KeyPathError(key, f"a dated schedule in {fld} (it is {sched!r}; set the whole value with "
                                f"{key.rsplit('.', 1)[0]}=X, or give dates in the file)")
    sched[_date_key(sched, date_text, key)] = value
