"""Lever packages: a package is a combination of lever values; continuous levers are cut into
``package_bins`` equal-width bins of their range. Fan charts, targets and outcomes are reported per
package (docs/experiments.md)."""

from __future__ import annotations

import numpy as np


def fmt_value(x) -> str:
    """A lever value in a label: text as it is; numbers with few digits (0.1, 5,000, 0.00123)."""
    if isinstance(x, str):
        return x
    x = float(x)
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def package_labels(plan: dict, points) -> list[str]:
    """A package label per row of ``points``: the lever values (binned when continuous)."""
    levers = [f for f in plan["factors"] if f["group"] == "lever"]
    if not levers:
        return ["all runs"] * len(points)
    parts = []
    for f in levers:
        col = points[f["name"]]
        distinct = sorted(col.unique(), key=lambda v: (isinstance(v, str), v))
        if len(distinct) <= max(plan.get("package_bins", 2), 5) and (
                f["spec"].get("values") is not None or len(distinct) <= plan.get("package_bins", 2)):
            parts.append([f"{f['name']}={fmt_value(v)}" for v in col])
            continue
        spec = f["spec"]
        lo, hi = (spec["range"] if spec.get("range") else (float(col.min()), float(col.max())))
        nb = plan.get("package_bins", 2)
        edges = np.linspace(lo, hi, nb + 1)
        idx = np.clip(np.searchsorted(edges, col.to_numpy(dtype=float), side="right") - 1, 0, nb - 1)
        parts.append([f"{f['name']} {fmt_value(edges[i])}–{fmt_value(edges[i + 1])}" for i in idx])
    return [" · ".join(p) for p in zip(*parts)]
