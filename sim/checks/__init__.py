"""Checks of the model: closed forms of the two-region special cases, theory runners that compare
the model with them, stylized facts, the ``validate`` command (docs/validation.md), and the
invariants checked every step under ``--check`` (docs/cli.md)."""
