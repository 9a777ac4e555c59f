"""The run's sector chart (sim/outputs/plots.py sector_figure, industrial_output_by_sector.png): its
legend sits outside the axes, on the right, so it covers no line; sectors listed top line first;
title and axis labels in English and Chinese with units."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_the_sector_legend_is_outside_the_axes_in_the_order_of_the_lines(tmp_path, monkeypatch):
    from sim.outputs import plots
    years = np.arange(2022, 2036, 0.25)
    ends = {"汽车及零部件": 12000.0, "现代化工": 3500.0, "现代纺织": 500.0, "医药健康": 1700.0}
    rows = [{"measure": "industrial_output", "place": city, "sector": sec, "year": y,
             "value": end / 2 * (1 + 0.03 * (y - 2022)) / (1 + 0.03 * 13.75)}
            for sec, end in ends.items() for city in ("四平", "辽源") for y in years]
    rows += [{"measure": "industrial_output", "place": "region", "sector": "", "year": y, "value": 1.0}
             for y in years]  # the region's total: not a sector
    got = {}

    def keep(fig, path, **k):
        fig.canvas.draw()
        ax = fig.axes[0]
        leg = ax.get_legend()
        got.update(legend=leg.get_window_extent(), axes=ax.get_window_extent(),
                   labels=[t.get_text() for t in leg.get_texts()], title=ax.get_title(),
                   xlabel=ax.get_xlabel(), ylabel=ax.get_ylabel())
        return real(fig, path, **k)
    real = plots.save_figure
    monkeypatch.setattr(plots, "save_figure", keep)
    plots.setup_font()
    p = plots.sector_figure(pd.DataFrame(rows), ["四平", "辽源"], tmp_path / "industrial_output_by_sector.png")
    assert p.is_file()
    assert got["legend"].x0 >= got["axes"].x1  # right of the axes: over no line
    assert got["labels"] == ["汽车及零部件", "现代化工", "医药健康", "现代纺织"]  # top line first
    assert "分行业工业产值" in got["title"] and "Industrial output by sector" in got["title"]
    assert "年份" in got["xlabel"] and "亿元/year" in got["ylabel"] and "工业总产值" in got["ylabel"]
