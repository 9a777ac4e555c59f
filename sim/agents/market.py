"""The market block as a component: sector tables, the state of demand, and the profits per unit
of scale at every (sector, site) that the firms' choices and payments read (MODEL.md §3)."""
from __future__ import annotations

import numpy as np

from ..arrays import segment_sums
from ..economy import market
from ..economy.profits import components, net_profit


class MarketBlock:
    """Per sector σ, μ, land and capital intensity; per (sector, site, market) freeness φ; per
    market income (亿元/year) and external crowding; per (sector, site) marginal cost c and its
    factor g = c^(1−σ). ``evaluate`` computes the profits of the current firm population."""

    def __init__(self, sigma: np.ndarray, mu: np.ndarray, land_int: np.ndarray, capital_per: np.ndarray,
                 phi: np.ndarray, income0: np.ndarray, external_crowding: float, cost0: np.ndarray) -> None:
        S = len(sigma)
        self.sigma, self.mu, self.land_int, self.capital_per = sigma, mu, land_int, capital_per
        self.phi = phi
        self.income0 = income0.copy()
        self.income = income0.copy()
        self.external_crowding = external_crowding
        # X_q = E_q (only S/X matters); external_crowding = 0 drops it (theory cases)
        self.external = np.tile(self.income0, (S, 1)) * external_crowding
        self.extra_demand = np.zeros((S, len(income0)))  # anchors' local purchases (亿元/year)
        self.cost0 = cost0
        # c_r: each park's land per unit output relative to the sector's data intensity (1 off parks;
        # calibrated on the parks' occupied land: ``sim.agents.places.calibrate_park_land``)
        self.land_fac = np.ones(cost0.shape[1])
        self.g = np.empty_like(cost0)
        self.set_cost(cost0.copy())
        self._col_log0 = None

    def land_per_output(self, sec, site):
        """Land intensity (ha per 亿元 of output per year) of sector ``sec`` at ``site``: the sector's
        ``land_ha_per_yi`` × the park's factor c_r. Every plot in a park is sized by it (base plots,
        projects at 开工, incumbents' expansion, arrivals, anchors); broadcasting indices."""
        return self.land_int[sec] * self.land_fac[site]

    def set_cost(self, cost: np.ndarray) -> None:
        """New marginal costs c[s, r]: the cost factors g = c^(1−σ) follow (their one update point)."""
        self.cost = cost
        # every sector at once: c^(1 − σ_s) element by element (the numbers of a call per sector)
        self.g[:] = market.cost_factor(cost, self.sigma[:, None])

    def set_income(self, income: np.ndarray, trend_income: np.ndarray) -> None:
        """Income by market (亿元/year) and the non-modelled producers that follow its trend."""
        self.income = income
        self.external = np.tile(trend_income, (len(self.sigma), 1)) * self.external_crowding

    def evaluate(self, firms, land_price: np.ndarray, p, cost_of_living: bool,
                 site_market: np.ndarray) -> None:
        """Supply by site, crowding, and per unit of scale: operating profit ``pi_scale``, its
        components ``bc``, net profit ``net_scale``; per sector the mean operating profit per unit
        scale ``pibar`` and per firm ``pibar_firm`` (亿元/year).

        One pass over the live firms for every sector: (sector, site) supply is one ``bincount``
        on ``sector·R + site`` and the per-sector sums are slices of the sector-grouped arrays, the
        same numbers, bit for bit, as per-sector masks."""
        S = len(self.sigma)
        _, _, starts, ends, counts = firms.by_sector()
        key_p, scale_p, raw, den = firms.scale_sums()
        self.supply_raw = raw  # Σ scale by (sector, site), before the cost factor g
        supply = raw * self.g
        extra = self.extra_demand.any(axis=1)
        if extra.any():  # anchors' local purchases (income + 0 = income: added where there are some)
            income = np.repeat(self.income[None, :], S, axis=0)
            income[extra] += self.extra_demand[extra] / self.mu[extra][:, None]
        else:
            income = self.income
        # all sectors at once: the same products as market.site_profits sector by sector
        self.pi_scale = market.site_profits_all(self.mu, self.sigma, supply, self.g, self.phi, income,
                                                self.external)
        self.bc = components(self.pi_scale, self.sigma, land_price, self.land_int, self.capital_per,
                             p.land_rent_rate, p.interest_rate)
        self.net_scale = net_profit(self.bc, p.cit_rate)
        if cost_of_living:
            self.net_scale = self.net_scale * self.cost_of_living()[site_market][None, :]
        prod = self.pi_scale.ravel().take(key_p)
        prod *= scale_p
        tot = segment_sums(prod, starts, ends)  # per sector, what ``.sum()`` of its slice gives
        self.pibar = tot / np.asarray(den)                  # mean operating profit per unit scale (亿元/year)
        self.pibar_firm = tot / np.maximum(counts, 1)       # mean operating profit per firm (亿元/year)

    def cost_of_living(self) -> np.ndarray:
        """Deflator 1/P_q^μ of each market (switch ``cost_of_living``: owners live and spend where
        their firm is and compare real profits, Forslid & Ottaviano 2003). P_s,q^(1−σ) ∝ Δ_s,q, so
        1/P_q^μ = Π_s Δ_s,q^(μ_s/(σ_s−1)), normalised by one number for all places (its first
        evaluation's income-weighted mean in logs) so that it ranks places only."""
        logd = np.zeros(len(self.income0))
        for s in range(len(self.sigma)):
            supply = self.supply_raw[s] * self.g[s]
            d = market.crowding(supply, self.phi[s], self.external[s])
            logd += self.mu[s] / (self.sigma[s] - 1) * np.log(np.maximum(d, 1e-300))
        if self._col_log0 is None:
            self._col_log0 = float(np.average(logd, weights=self.income0))
        return np.exp(logd - self._col_log0)
