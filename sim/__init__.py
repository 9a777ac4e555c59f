"""Agent-based simulator of industry transfer into the development parks of Jilin and its neighbours.

Data flows one way: scenario + data -> model -> metrics -> results -> plots.

For a notebook (docs/notebook.md)::

    from sim import build_model, run_model
    m = build_model("scenarios/baseline.yaml", seed=7)       # a ready RegionalEconomy (Mesa model)
    m.step()                                                  # one quarter
    rows = run_model(build_model("scenarios/jxn_transfer_zone.yaml", seed=7, until=2030))

The command line (``python run.py ...``) does the same and writes result folders; this is the
in-memory entry point for economists who want the model's arrays and agents.
"""

__version__ = "0.1.0"

__all__ = ["build_model", "run_model"]


def build_model(scenario, seed: int | None = None, *, overrides=(), until: int | None = None):
    """A ready :class:`sim.model.RegionalEconomy` for a scenario file, as ``python run.py`` builds it.

    ``scenario``: the path of a scenario YAML file (``extends`` and a ``posterior:`` key resolved as
    on the command line); ``seed``: the run's seed (default: the scenario's ``seed``); ``overrides``:
    ``--set`` strings such as ``"levers.jxn_land.value=0.5"``; ``until``: the last year to simulate
    (default: the scenario's horizon). A mistake in the file raises :class:`sim.errors.ScenarioError`
    with the same one-line message the command line prints.
    """
    from .outputs.execute import check_run_options
    from .model import RegionalEconomy
    from .scenario import load_scenario

    loaded = load_scenario(scenario, list(overrides))
    seed = loaded.scenario.seed if seed is None else int(seed)
    check_run_options(loaded.scenario, until, seed)
    return RegionalEconomy(loaded, seed=seed, until=until)


def run_model(model, check: bool = False):
    """Step ``model`` to the end of its horizon and return the tidy rows (a pandas DataFrame: year,
    place, measure, sector, value, unit; the vocabulary of docs/cli.md), the base period included —
    the same rows ``trajectories.parquet`` of a ``run.py`` result folder holds. ``check``: the model's
    invariants are checked after every step (sim/checks/invariants.py)."""
    from .outputs.metrics import record_run

    return record_run(model, check=check).frame()
