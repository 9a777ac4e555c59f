"""The posterior file: a weighted sample of parameter sets and its manifest (issue 15).

Written by ``run.py calibrate`` and read by the shipped scenarios (their ``posterior:`` key: the
central set) and by ``--posterior`` on ``run``, ``compare`` and ``sweep`` (one draw per replicate).

Format (``format: 1``)::

    posterior.parquet   columns ``draw`` (int), ``weight`` (float, sums to 1) and one float column
                        per parameter, named by its scenario key (``parameters.beta`` …)
    posterior.json      the manifest: calibration name and file, method, ``code_version`` (hash of
                        the model's code, ``sim.experiments.sweep.code_version``), ``data_hash``
                        (:func:`data_hash` of the data folder it was fitted on), parameters with
                        priors and sources, ``central`` (the set the shipped scenarios use) and the
                        rule that chose it, ``n_draws``, ``ess``, the moments observed vs simulated

A posterior fitted on other code or data is still usable (it is the best estimate at hand), but a
run says so in one warning line and in its manifest (:meth:`Posterior.provenance_warning`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError

FORMAT = 1
CENTRAL_RULE = "weighted median of each parameter's marginal"


def data_hash(data_dir: str | Path) -> str:
    """sha256 (16 hex) over the sorted names and bytes of the data folder's CSV files."""
    h = hashlib.sha256()
    for f in sorted(Path(data_dir).glob("*.csv")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The smallest x whose cumulative weight reaches half the total (the lower weighted median)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile q of a weighted sample (inverse of the weighted empirical distribution)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cw, q * cw[-1]), x.size - 1)])


@dataclass
class Posterior:
    """A weighted sample: ``values[i, j]`` is draw i of parameter ``keys[j]``, weight ``weights[i]``."""

    path: Path
    keys: list[str]
    values: np.ndarray
    weights: np.ndarray
    manifest: dict = field(default_factory=dict)

    @property
    def central(self) -> dict[str, float]:
        """The manifest's central set (the weighted median of each marginal if it has none)."""
        c = self.manifest.get("central")
        if c:
            return {k: float(c[k]) for k in self.keys}
        return {k: weighted_median(self.values[:, j], self.weights) for j, k in enumerate(self.keys)}

    def draw(self, seed: int, replicate: int) -> dict[str, float]:
        """Parameter set of one replicate: draw i with probability ``weights[i]`` from a stream fixed
        by (seed, replicate), so the same run gets the same set in any process."""
        from .. import rng
        key = int(rng.stream_key(int(seed), "posterior_draw", int(replicate)))
        u = np.random.default_rng(key).random()
        cw = np.cumsum(self.weights)
        i = int(min(np.searchsorted(cw, u * cw[-1], side="right"), cw.size - 1))
        return {k: float(self.values[i, j]) for j, k in enumerate(self.keys)}

    def provenance_warning(self, code: str | None = None, data: str | None = None) -> str | None:
        """One line when the posterior was fitted on other model code or data than the run's, else
        None. ``code``/``data``: the run's code version and data hash."""
        diff = []
        if code is not None and self.manifest.get("code_version") not in (None, code):
            diff.append(f"model code {self.manifest.get('code_version')} (now {code})")
        if data is not None and self.manifest.get("data_hash") not in (None, data):
            diff.append(f"data {self.manifest.get('data_hash')} (now {data})")
        if not diff:
            return None
        return (f"warning: posterior {self.path} was fitted on other " + " and ".join(diff)
                + "; re-run `run.py calibrate` to refit")


def read_posterior(path: str | Path) -> Posterior:
    """Read ``posterior.parquet`` (or its ``posterior.json`` manifest beside it); a missing or
    malformed file is a one-line :class:`UserError`."""
    import pyarrow.parquet as pq
    p = Path(path)
    if p.suffix == ".json":
        p = p.with_suffix(".parquet")
    man_path = p.with_suffix(".json")
    for f in (p, man_path):
        if not f.is_file():
            raise UserError(str(f), message=f"{f}: posterior file not found; expected a posterior "
                                            f"written by `run.py calibrate` (posterior.parquet and "
                                            f"posterior.json)")
    try:
        manifest = json.loads(man_path.read_text(encoding="utf-8"))
        table = pq.read_table(p).to_pandas()
    except Exception as e:  # noqa: BLE001 -- any reader failure is a bad file
        raise UserError(str(p), message=f"{p}: cannot read the posterior ({type(e).__name__}); "
                                        f"expected a posterior written by `run.py calibrate`") from None
    if manifest.get("format") != FORMAT:
        raise UserError(str(man_path), "format", manifest.get("format"), f"format {FORMAT}")
    for col in ("draw", "weight"):
        if col not in table.columns:
            raise UserError(str(p), col, None, "a column named " + col)
    keys = [c for c in table.columns if c not in ("draw", "weight")]
    if not keys:
        raise UserError(str(p), message=f"{p}: no parameter columns; expected one column per parameter")
    w = table["weight"].to_numpy(float)
    if w.size == 0 or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise UserError(str(p), "weight", None, "finite non-negative weights with a positive sum")
    vals = table[keys].to_numpy(float)
    if not np.all(np.isfinite(vals)):
        raise UserError(str(p), message=f"{p}: a parameter value is not finite; expected numbers")
    return Posterior(p, keys, vals, w / w.sum(), manifest)


def write_posterior(folder: str | Path, keys: list[str], values: np.ndarray, weights: np.ndarray,
                    manifest: dict) -> Path:
    """Write ``posterior.parquet`` and ``posterior.json`` into ``folder`` (each atomically); the
    manifest gets ``format``, ``created``, ``central`` (weighted medians) and ``central_rule``,
    ``n_draws`` and the effective sample size ``ess`` = 1/Σw². Returns the parquet path."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    values = np.asarray(values, float)
    w = np.asarray(weights, float)
    w = w / w.sum()
    cols = {"draw": pa.array(np.arange(w.size), pa.int64()), "weight": pa.array(w, pa.float64())}
    for j, k in enumerate(keys):
        cols[k] = pa.array(values[:, j], pa.float64())
    man = {"format": FORMAT, "created": dt.datetime.now().isoformat(timespec="seconds"), **manifest,
           "central": {k: weighted_median(values[:, j], w) for j, k in enumerate(keys)},
           "central_rule": CENTRAL_RULE, "n_draws": int(w.size), "ess": float(1.0 / np.sum(w ** 2))}
    out = folder / "posterior.parquet"
    tmp = folder / f".tmp-posterior-{os.getpid()}.parquet"
    pq.write_table(pa.table(cols), tmp)
    os.replace(tmp, out)
    tmpj = folder / f".tmp-posterior-{os.getpid()}.json"
    tmpj.write_text(json.dumps(man, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmpj, folder / "posterior.json")
    return out
