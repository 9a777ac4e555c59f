"""Figures of ``validate all`` (PNG files, 110 dpi): the home-market effect, the levers' shifts, the
core–periphery diagram, the firm-size CCDF and the growth-rate density."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..economy import market
from .closed_forms import fc_lever_share, fc_logit_fixed_point, fe_break_point, fe_gap
from .theory import FC_DEFAULTS, FE_DEFAULTS, LEVER_DEFAULTS, LEVERS_MISSING


def fig_home_market(path: Path, runs: dict) -> None:
    import matplotlib.pyplot as plt
    phis = np.linspace(0.01, 0.95, 200)
    beta = FC_DEFAULTS["beta"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.plot(phis, [market.home_market_share(0.6, p) for p in phis], "-", color="black",
            label="closed form s_n = 1/2 + (1+φ)/(1−φ)(s_E − 1/2)")
    ax.plot(phis, [fc_logit_fixed_point(beta, 0.6, p) for p in phis], ls="--", color="tab:orange",
            label=f"logit fixed point, β = {beta:g}")
    pts = sorted(runs["hme"].items())
    ax.plot([p for p, _ in pts], [r["simulated_share_N"] for _, r in pts], "o", color="tab:blue", ms=8,
            label=f"RegionalEconomy (mean of 2nd half, {pts[0][1]['firms']} firms)")
    ax.set_title("Home-market effect: footloose capital, s_E = 0.6, σ = 4")
    ax.set_xlabel("freeness of trade φ (unitless)")
    ax.set_ylabel("share of firms in N, s_n (share)")
    ax.set_ylim(0.45, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_levers(path: Path, runs: dict) -> None:
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    base = {"s_e": 0.6, "phi": 0.5, "sigma": 4.0}
    beta = FC_DEFAULTS["beta"]
    panels = [
        ("profit subsidy in N, s (profit × (1+s))", "profit_subsidy_N", np.linspace(0, 0.1, 60),
         lambda x: dict(base, rho=1 + x)),
        ("lump sum per N firm, S (units of mean profit π̄)", "lump_sum_N", np.linspace(0, 0.1, 60),
         lambda x: dict(base, lump_sum=x)),
        ("marginal-cost subsidy in N, c (cost × (1−c))", "cost_subsidy_N", np.linspace(0, 0.05, 60),
         lambda x: dict(base, cost_subsidy=x)),
        ("transport: freeness φ (unitless)", "phi", np.linspace(0.3, 0.7, 60),
         lambda x: dict(base, phi=x)),
    ]
    for ax, (label, key, xs, kw) in zip(axes.ravel(), panels):
        ax.plot(xs, [fc_lever_share(**kw(x)) for x in xs], "k-", label="closed form")
        ax.plot(xs, [fc_logit_fixed_point(beta, **kw(x)) for x in xs], ls="--", color="tab:orange",
                label=f"logit fixed point β = {beta:g}")
        if key == "phi":
            pts = [(p, r) for p, r in sorted(runs["hme"].items()) if 0.3 <= p <= 0.7]
            if "transport" in runs:
                pts.append((runs["transport"]["phi"], runs["transport"]))
            ax.plot([p for p, _ in pts], [r["simulated_share_N"] for _, r in pts], "o", color="tab:blue",
                    label="RegionalEconomy")
        else:
            r = runs["levers"].get(f"{key}={LEVER_DEFAULTS[key]}")
            if r is not None and r.get("simulated_share_N") is not None:
                ax.plot([LEVER_DEFAULTS[key]], [r["simulated_share_N"]], "o", color="tab:blue",
                        label="RegionalEconomy")
            else:
                ax.text(0.35, 0.05, "simulation: " + LEVERS_MISSING, transform=ax.transAxes,
                        fontsize=8, color="tab:red")
        ax.set_xlabel(label)
        ax.set_ylabel("share of firms in N, s_n (share)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Levers in the footloose-capital case (s_E = 0.6, φ = 0.5, σ = 4)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_core_periphery(path: Path, fe_runs: dict) -> None:
    import matplotlib.pyplot as plt
    sigma, mu = FE_DEFAULTS["sigma"], FE_DEFAULTS["mu"]
    phib = fe_break_point(sigma, mu)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 5))
    ss = np.linspace(0.02, 0.98, 200)
    for phi, col in ((0.55, "tab:blue"), (phib, "tab:red"), (0.85, "tab:orange")):
        a1.plot(ss, [fe_gap(x, phi, sigma, mu) for x in ss], color=col, label=f"φ = {phi:.3f}")
    a1.axhline(0, color="k", lw=0.8)
    a1.set_title("Real-profit gap (wiggle diagram)")
    a1.set_xlabel("share of firms in N, s (share)")
    a1.set_ylabel("(ω_N − ω_S) / π̄ (units of mean profit)")
    a1.grid(alpha=0.3)
    a1.legend()
    phis = sorted(fe_runs)
    a2.plot(phis, [fe_runs[p]["simulated_share_N"] for p in phis], "o", color="tab:blue", ms=8,
            label=f"RegionalEconomy, final share (from s0 = {FE_DEFAULTS['s0']})")
    a2.plot(phis, [fe_runs[p]["mean_field_share_N"] for p in phis], "x", color="tab:orange", ms=8,
            label="mean-field logit dynamics")
    a2.axvline(phib, color="tab:red", ls="--", label=f"break point φ_B = {phib:.3f}")
    a2.set_title("Footloose entrepreneurs: σ = 5, μ = 0.4")
    a2.set_xlabel("freeness of trade φ (unitless)")
    a2.set_ylabel("final share of firms in N (share)")
    a2.set_ylim(-0.03, 1.03)
    a2.grid(alpha=0.3)
    a2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_ccdf(path: Path, facts: dict) -> None:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for k, (name, f) in enumerate(facts.items()):
        x = np.sort(f["_jobs"][f["_jobs"] > 0])
        ccdf = 1 - np.arange(len(x)) / len(x)
        ax.loglog(x, ccdf, ".", ms=2, color=("tab:blue", "tab:green")[k % 2], label=f"{name}: firms in 2035")
        t = f["tail_jobs"]
        frac = t["n_tail"] / len(x)
        xs = np.geomspace(t["x_min"], x[-1], 50)
        ax.loglog(xs, frac * (xs / t["x_min"]) ** (-t["zeta"]), "-", color=("tab:orange", "tab:red")[k % 2],
                  label=f"{name}: CSN fit ζ = {t['zeta']:.3f}, x_min = {t['x_min']:.0f}, "
                        f"{t['n_tail']} firms")
    ax.set_title("Firm size distribution (employment), baseline 2035")
    ax.set_xlabel("jobs per firm (persons)")
    ax.set_ylabel("P(size ≥ x) (share of firms)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_growth(path: Path, facts: dict) -> None:
    import matplotlib.pyplot as plt
    from scipy import stats
    fig, axes = plt.subplots(1, len(facts), figsize=(6 * len(facts), 5), squeeze=False)
    for ax, (name, f) in zip(axes[0], facts.items()):
        g = f["growth"]
        z = g["standardised"]
        bins = np.linspace(-8, 8, 81)
        h, e = np.histogram(z, bins=bins, density=True)
        c = 0.5 * (e[1:] + e[:-1])
        ax.semilogy(c[h > 0], h[h > 0], "o", ms=3, color="tab:blue", label="simulated (standardised by size decile)")
        ax.semilogy(c, stats.gennorm.pdf(c, g["subbotin_shape"], g["subbotin_loc"],
                                         g["subbotin_scale"]),
                    "-", color="black", label=f"Subbotin fit, shape {g['subbotin_shape']:.2f}")
        ax.semilogy(c, stats.norm.pdf(c), ":", color="tab:orange", label="normal (shape 2)")
        ax.semilogy(c, stats.laplace.pdf(c, scale=1 / math.sqrt(2)), "--", lw=0.8, color="tab:red",
                    label="Laplace / tent (shape 1)")
        ax.set_ylim(1e-5, 2)
        ax.set_title(f"One-quarter growth rates, 2035Q4\n{name}", fontsize=10)
        ax.set_xlabel("standardised log growth rate of output (s.d. units)")
        ax.set_ylabel("density (log scale)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
