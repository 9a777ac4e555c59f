"""The emulator: one Gaussian process per moment on the transformed parameters (scikit-learn).

Inputs z ∈ [0, 1]^d (``Prior.to_emulator``: log scale for loguniform priors); outputs standardised
(``normalize_y``). Kernel: c · Matern_ν=5/2(z, z'; ℓ_1..ℓ_d) + σ_n² — an ARD Matérn (one length scale
per parameter: a long one means the moment does not depend on it; at least 0.1 of the unit range,
so that the GP does not explain seed noise by wiggles between design points) plus a white-noise term
for the seed noise of a single run. Hyperparameters by maximum marginal likelihood (L-BFGS-B, a fixed
number of restarts from a seeded generator). The predictive variance of a new *run* at z is the
GP's latent variance plus σ_n² (``predict``); the held-out check compares it with runs the GP
never saw: RMSE, and the share of held-out runs inside the 90 % predictive interval.
"""

from __future__ import annotations

import warnings

import numpy as np

Z90 = 1.6448536269514722  # standard normal 95th percentile: the 90 % interval is mean ± Z90·sd


def _kernel(d: int):
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    return (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(length_scale=np.full(d, 0.5),
                                                       length_scale_bounds=(0.1, 1e3), nu=2.5)
            + WhiteKernel(0.1, (1e-9, 1e1)))


class Emulator:
    """One GP per column of ``y`` (runs × moments) on inputs ``z`` (runs × d)."""

    def __init__(self, z: np.ndarray, y: np.ndarray, names: list[str], seed: int = 0, restarts: int = 2):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        self.names, self.d = list(names), z.shape[1]
        self.gps, self.noise_sd, self.length_scales = [], [], []
        for j in range(y.shape[1]):
            ok = np.isfinite(y[:, j])
            gp = GaussianProcessRegressor(_kernel(self.d), normalize_y=True, n_restarts_optimizer=restarts,
                                          random_state=seed + j)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(z[ok], y[ok, j])
            self.gps.append(gp)
            k = gp.kernel_
            scale = float(np.atleast_1d(gp._y_train_std)[0])
            self.noise_sd.append(float(np.sqrt(k.k2.noise_level)) * scale)
            self.length_scales.append(np.atleast_1d(k.k1.k2.length_scale).astype(float))

    def predict(self, z: np.ndarray, chunk: int = 20000) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (n × moments) of a new run at ``z``: the GP's latent variance plus the
        white-noise (seed noise) variance."""
        n, m = len(z), len(self.gps)
        mean, var = np.empty((n, m)), np.empty((n, m))
        for a in range(0, n, chunk):
            for j, gp in enumerate(self.gps):
                mu, sd = gp.predict(z[a:a + chunk], return_std=True)
                mean[a:a + chunk, j], var[a:a + chunk, j] = mu, sd ** 2
        return mean, np.maximum(var, 1e-300)


def check(em: Emulator, z: np.ndarray, y: np.ndarray) -> list[dict]:
    """Held-out error per moment: RMSE of the mean, mean predictive s.d., the share of held-out runs
    inside the 90 % predictive interval, and the held-out values' s.d. (what RMSE compares with)."""
    out = []
    if len(z) == 0:
        return [{"moment": n, "n_validation": 0} for n in em.names]
    mean, var = em.predict(z)
    sd = np.sqrt(var)
    for j, name in enumerate(em.names):
        ok = np.isfinite(y[:, j])
        err = y[ok, j] - mean[ok, j]
        out.append({"moment": name, "n_validation": int(ok.sum()),
                    "rmse": float(np.sqrt(np.mean(err ** 2))),
                    "sd_of_runs": float(np.std(y[ok, j])),
                    "mean_predictive_sd": float(np.mean(sd[ok, j])),
                    "seed_noise_sd": em.noise_sd[j],
                    "coverage90": float(np.mean(np.abs(err) <= Z90 * sd[ok, j]))})
    return out
