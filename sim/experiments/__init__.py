"""Batch experiments: experiment files (design, loading, outcome names), sweeps on a process pool
or a dask cluster, and their analysis (sensitivity, fan charts, targets, scenario discovery by
PRIM). See docs/experiments.md."""
