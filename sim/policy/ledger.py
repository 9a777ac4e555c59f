"""Public money: lever payments within budget caps and local tax revenue, by lever and site (亿元 per
period). Payers and collectors of each site are in ``Sites.city_w`` (a joint park's partners)."""
from __future__ import annotations

import numpy as np

from ..arrays import add_at
from ..economy.finance import WAN_TO_YI, eligible_by_date
from ..economy.fiscal import TaxRates, land_sale, local_taxes
from ..economy.profits import YI_PER_HA_PER_YUAN_M2
from .levers import KINDS
from .runtime import PolicyRuntime


class Ledger:
    """This period's spending by lever and site (``spend``, and the part paid to induced firms
    ``spend_induced``), local taxes by site (``revenue``; the base period's ``revenue0``), park land
    sold (``land_sales`` gross, ``land_net`` net of its cost; government-fund budget) and the ids of
    the firms a lever paid (``paid_ids()``: what tells deadweight from unpaid arrivals,
    ``ArrivalTally.settle``)."""

    def __init__(self, rt: PolicyRuntime, R: int) -> None:
        self.rt, self.ls = rt, rt.ls
        L = len(rt.ls)
        self.spend = np.zeros((L, R))
        self.spend_induced = np.zeros((L, R))
        self.revenue = np.zeros(R)
        self._paid: list[np.ndarray] = []
        self.revenue0 = np.zeros(R)     # the base period's taxes (set by the base collection)
        self.land_sales = np.zeros(R)   # land-transfer revenue this period, gross and net
        self.land_net = np.zeros(R)

    def reset(self) -> None:
        self.spend[:] = 0.0
        self.spend_induced[:] = 0.0
        self._paid = []

    def paid_ids(self) -> np.ndarray:
        """Ids of the firms paid a positive amount by any lever this period (every payment to a
        firm is a money lever's: ``Ledger.pay``)."""
        return np.concatenate(self._paid) if self._paid else np.zeros(0, dtype=np.int64)

    def pay(self, j: int, firms, rows: np.ndarray, amounts: np.ndarray, t: float) -> np.ndarray:
        """Pay lever ``j``'s ``amounts`` (亿元) to firms ``rows`` of the population ``firms`` in
        firm-id order within its budget cap. Returns the mask of firms paid; records a budget
        event when the cap binds."""
        if len(rows) == 0:
            return np.zeros(0, dtype=bool)
        rt = self.rt
        paid = amounts > 0
        cap_s = self.ls.budget[j]
        if cap_s is not None:
            cap = cap_s.at(t) * WAN_TO_YI
            left = max(cap - rt.spent_year[j], 0.0)
            order = np.argsort(firms.firm_id[rows], kind="stable")
            cs = np.cumsum(amounts[order])
            ok_sorted = cs <= left + 1e-12
            paid = np.zeros(len(rows), dtype=bool)
            paid[order] = ok_sorted
            paid &= amounts > 0
            if not ok_sorted.all():
                rt.cap_reached(j, t, cap, rt.spent_year[j] + amounts[paid].sum())
        amt = np.where(paid, amounts, 0.0)
        rt.spent_year[j] += amt.sum()
        sites = firms.site[rows]
        add_at(self.spend[j], sites, amt)
        add_at(self.spend_induced[j], sites, np.where(firms.induced[rows], amt, 0.0))
        got = amt > 0
        if got.any():
            self._paid.append(firms.firm_id[rows[got]])
        return paid

    def pay_flat(self, j: int, amount: float, sites: np.ndarray, t: float) -> None:
        """Programme spending not tied to firms (promotion, land servicing), split over ``sites``."""
        if amount <= 0 or len(sites) == 0:
            return
        rt = self.rt
        cap_s = self.ls.budget[j]
        if cap_s is not None:
            left = max(cap_s.at(t) * WAN_TO_YI - rt.spent_year[j], 0.0)
            if amount > left + 1e-12:
                rt.cap_reached(j, t, cap_s.at(t) * WAN_TO_YI, rt.spent_year[j] + left)
                amount = left
        rt.spent_year[j] += amount
        np.add.at(self.spend[j], sites, amount / len(sites))

    def one_off_payments(self, firms, arrivals: np.ndarray, land_price: np.ndarray, t: float) -> None:
        """Grants and land discounts (applies_to: new) for firms ``arrivals`` (rows) that arrived or
        entered this period; a land discount paid is remembered on the firm (``land_disc``)."""
        if len(arrivals) == 0:
            return
        ls, val = self.ls, self.rt.val
        sec = site = None
        for j in ls.consts()["one_off"]:
            if val[j] == 0:
                continue
            kind = ls.kind[j]
            if sec is None:
                sec, site = firms.sector[arrivals], firms.site[arrivals]
            m = ls.mask[j][sec, site]
            f = arrivals[m]
            if not len(f):
                continue
            # a government's rate per sector (PolicyRuntime.set_sector_scale), else the value
            v = val[j] * self.rt.sector_scale[j][sec[m]] if self.rt.scaled[j] else val[j]
            if kind == "grant":
                amounts = np.full(len(f), v * WAN_TO_YI)
            else:
                amounts = v * land_price[firms.site[f]] * YI_PER_HA_PER_YUAN_M2 * firms.land[f]
            paid = self.pay(j, firms, f, amounts, t)
            if kind == "land_discount":
                v_paid = v[paid] if isinstance(v, np.ndarray) else v
                firms.land_disc[f[paid]] = np.minimum(firms.land_disc[f[paid]] + v_paid, 1.0)

    def recurring_payments(self, firms, n_parks: int, t: float, dt: float) -> None:
        """This period's payments of the levers paid per year (rates from the last market state)
        and programme costs (promotion, friction cuts, retention, land servicing on its dates)."""
        ls, rt = self.ls, self.rt
        every = firms.alive.all()  # no dead rows (dead firms leave the arrays at exit)
        alive = None if every else np.flatnonzero(firms.alive)
        lc = ls.consts()
        reached: dict[int, tuple] = {}
        for j, kind in enumerate(ls.kind):
            v = rt.val[j]
            if v == 0:
                continue
            if kind in ("promotion", "friction_cut"):
                if ls.cost[j] is not None:
                    self.pay_flat(j, ls.cost[j].at(t) * WAN_TO_YI * dt, lc["sites"][j], t)
                continue
            if kind == "retention":
                sites = np.array([n_parks + c for c in lc["ret_city_idx"][j]])
                amount = v * ls.levers[j].unit_cost_yuan / 1e8 * dt
                self.pay_flat(j, amount, sites, t)
                continue
            if kind in ("grant", "designation", "land_supply") or (kind == "land_discount" and ls.new[j]):
                continue
            # the firms the lever's target reaches (levers with the same target: found once)
            g = lc["group"][j]
            got = reached.get(g)
            if got is None:
                if every:  # flat (sector, site) index of every firm
                    f = (ls.mask[j].ravel().take(firms.index()["key"])).nonzero()[0]
                else:
                    f = alive[ls.mask[j][firms.sector[alive], firms.site[alive]]]
                got = reached[g] = (f, firms.arrived_t[f] if len(f) else None)
            f, arr = got
            if not len(f):
                continue
            if ls.new[j] and not KINDS[kind].get("site_level"):
                # every one of them is in the target, so only its dates remain
                f = f[eligible_by_date(arr, ls.start[j], ls.years[j], t)]
            if kind == "lump_sum":
                amounts = np.full(len(f), 0.0) + rt.spend_firm[j, firms.sector[f]] * dt
            else:
                amounts = rt.spend_scale[j][firms.sector[f], firms.site[f]] * firms.scale[f] * dt
            self.pay(j, firms, f, amounts, t)
        # land servicing on its dates
        for j, kind in enumerate(ls.kind):
            if kind == "land_supply" and ls.cost[j] is not None:
                due = sum(v for d, v in ls.cost[j].points if t - dt < d <= t + 1e-9)
                if due:
                    self.pay_flat(j, due * WAN_TO_YI, lc["sites"][j], t)

    def firm_taxes(self, firms, pretax: np.ndarray, tax: TaxRates, dt: float) -> np.ndarray:
        """Local taxes of each firm this period (亿元; every row alive), as ``collect_revenue``
        takes them: the local shares of VAT and of income tax (``local_taxes``) × dt."""
        fx = firms.index()  # flat (sector, site) index of every firm
        pre = pretax.ravel().take(fx["key"])
        pre *= firms.scale
        vat, cit = local_taxes(firms.va, firms.output, pre, fx["sector"], tax)
        rev = vat + cit
        rev *= dt
        return rev

    def collect_revenue(self, firms, pretax: np.ndarray, is_origin: np.ndarray, tax: TaxRates, dt: float,
                        land_price: np.ndarray | None = None, is_park: np.ndarray | None = None,
                        t: float | None = None, base: bool = False,
                        by_site: np.ndarray | None = None) -> None:
        """Local taxes of the modelled firms (亿元 this period) by site (``revenue``): the local
        share of VAT at each sector's statutory rate on value added and of income tax on taxable
        profit (``sim.economy.fiscal.local_taxes``); origin regions collect nothing here.
        ``pretax``: per unit scale (S × R). With ``land_price``, ``is_park`` and ``t``: the park
        land sold this period to the firms that arrived or entered at ``t`` (``land_sales`` gross,
        ``land_net`` net of acquisition and servicing cost, 亿元 by site). ``base``: the base
        period's taxes, kept as ``revenue0`` (the general budget's calibration). ``by_site``: the
        ``firm_taxes`` of this state by site (every row alive), if the production stage took them."""
        every = firms.alive.all()
        if every:
            # the bins of study-area sites add the same firms in the same order as with a mask
            if by_site is None:
                by_site = np.bincount(firms.index()["site"], weights=self.firm_taxes(firms, pretax, tax, dt),
                                      minlength=len(is_origin))
            self.revenue = by_site
            self.revenue[is_origin] = 0.0
        else:
            pre = pretax[firms.sector, firms.site] * firms.scale
            vat, cit = local_taxes(firms.va, firms.output, pre, firms.sector, tax)
            rev = vat + cit
            rev *= dt
            alive = firms.alive & ~is_origin[firms.site]
            self.revenue = np.bincount(firms.site[alive], weights=rev[alive], minlength=len(is_origin))
        if base:
            self.revenue0 = self.revenue.copy()
        R = len(is_origin)
        self.land_sales, self.land_net = np.zeros(R), np.zeros(R)
        if t is None or land_price is None or is_park is None:
            return
        rows = (np.abs(firms.arrived_t - t) < 1e-9).nonzero()[0]  # arrived or entered at t
        rows = rows[firms.alive[rows] & (firms.land[rows] > 0) & is_park[firms.site[rows]]]
        if len(rows):
            site = firms.site[rows]
            gross, net = land_sale(land_price[site], firms.land[rows], firms.land_disc[rows],
                                   tax.land_cost_share)
            self.land_sales = np.bincount(site, weights=gross, minlength=R)
            self.land_net = np.bincount(site, weights=net, minlength=R)
