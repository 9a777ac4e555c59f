"""Every command's --help exits 0, and the top-level help names every command (docs/cli.md)."""
import pytest

import run
from sim import cli

COMMANDS = ["validate", "sweep", "calibrate", "analyze", "report", "rerun", "dashboard"]


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        cli.build_parser().parse_args(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for c in ["run", "compare", *COMMANDS]:
        assert c in out, c


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command, capsys):
    assert run.main([command, "--help"]) == 0
    assert "usage" in capsys.readouterr().out.lower()
