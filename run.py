"""Command line: ``python run.py [COMMAND] ...`` (docs/cli.md). Everything is in sim/cli.py."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
