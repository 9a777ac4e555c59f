"""Small result folders for the report tests (tests/test_report.py, tests/test_report_browser.py)."""
from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNTIL = "2025"  # short runs (2022-2025), long enough to decide the plan targets of 2025


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    import run
    capsys.readouterr()
    rc = run.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def last_line(out: str) -> Path:
    return Path(out.strip().splitlines()[-1])


def _quiet_main(argv: list[str]) -> Path:
    import contextlib
    import io

    import run
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        rc = run.main(argv)
    assert rc == 0
    return last_line(buf.getvalue())


def make_comparison(out: Path) -> Path:
    """``compare baseline jxn_transfer_zone --replicates 2 --until UNTIL`` into ``out``; its folder."""
    return _quiet_main(["compare", str(ROOT / "scenarios" / "baseline.yaml"),
                        str(ROOT / "scenarios" / "jxn_transfer_zone.yaml"), "--replicates", "2",
                        "--until", UNTIL, "--out", str(out)])


def make_ensemble(out: Path) -> Path:
    """``jxn_transfer_zone --replicates 2 --until UNTIL`` into ``out``; its folder. After
    make_comparison into the same ``out`` it reuses the comparison's runs (same seeds)."""
    return _quiet_main([str(ROOT / "scenarios" / "jxn_transfer_zone.yaml"), "--replicates", "2",
                        "--until", UNTIL, "--out", str(out)])


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Page(HTMLParser):
    """The parts of a report the tests read: checked number cells, images, links, headings, text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.cells: dict[str, tuple[str, str]] = {}  # data-key -> (data-value, shown text)
        self.imgs: list[str] = []
        self.refs: list[str] = []  # every src= and href=
        self.headings: list[str] = []
        self._cell: str | None = None
        self._h = False
        self._buf: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a:
                self.refs.append(a[k])
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        if "data-key" in a:
            self._cell, self._buf = a["data-key"], []
            self.cells[a["data-key"]] = (a.get("data-value", ""), "")
        if tag in ("h1", "h2", "h3"):
            self._h, self._buf = True, []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells[self._cell] = (self.cells[self._cell][0], "".join(self._buf).strip())
            self._cell = None
        if tag in ("h1", "h2", "h3") and self._h:
            self.headings.append("".join(self._buf).strip())
            self._h = False

    def handle_data(self, data):
        if self._cell is not None or self._h:
            self._buf.append(data)
