"""Levers as components the model holds (docs/architecture.md).

levers.py       the spec: the scenario's ``levers:`` schema and the kinds table
compiled.py     LeverSet: the levers compiled against sectors and sites (static for a run)
runtime.py      PolicyRuntime: values at t, rates per (sector, site), choice terms, budgets
ledger.py       Ledger: payments within budget caps, local tax revenue
attribution.py  induced / pivotal / deadweight / unpaid arrivals (paid ids from the ledger)
infrastructure.py  public investment in transport projects and new parks, by payer and period
"""
