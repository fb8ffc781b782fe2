"""Parity curves: a metric against the import duty rate, for each option, and their plot."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessfin.deal import Deal
from bessfin.dispatch import LifetimeResult
from bessfin.studies.parity.breakeven import BreakEven
from bessfin.studies.parity.catalog import (
    METRICS,
    _check_metric,
    _check_options,
    _check_tier,
    _Context,
)
from bessfin.studies.parity.compare import metric_value
from bessfin.supply import (
    OptionLike,
    Scenario,
    list_supply_options,
    option_name,
)

# --------------------------------------------------------------------------------------------
# Curves and plot
# --------------------------------------------------------------------------------------------


#: Default duty-rate grid of :func:`parity_curves`: 0 to 100 % in 5 pp steps [fraction].
DEFAULT_RATES: tuple[float, ...] = tuple(round(0.05 * i, 10) for i in range(21))


def parity_curves(
    deal: Deal,
    lifetime: LifetimeResult | None,
    options: Sequence[OptionLike] | None = None,
    *,
    rates: Sequence[float] | np.ndarray = DEFAULT_RATES,
    metric: str = "project_irr_after_tax",
    itc_tiers: Sequence[str] = ("deal",),
    tariff_scenario: str | Scenario | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> pd.DataFrame:
    """Metric against the import duty rate, for each option and ITC tier.

    Every option's imported battery lines get the rate (options without any are flat lines), so
    the crossing of an import option's curve with a fully domestic option's is
    :func:`breakeven_tariff`.

    Returns
    -------
    pandas.DataFrame
        Long format: ``itc_tier``, ``option``, ``import_duty_rate`` [fraction], ``<metric>``.
    """
    _check_metric(metric, lifetime)
    opts = list(options) if options is not None else list(list_supply_options())
    _check_options(opts)
    for t in itc_tiers:
        _check_tier(t)
    grid = [float(r) for r in rates]
    if not grid or any(not (math.isfinite(r) and r >= 0) for r in grid):
        raise ValueError(f"rates must be fractions >= 0, got {grid}")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    ov = dict(line_overrides or {})
    revenue = lifetime.revenue_table() if lifetime is not None else None
    recs = []
    for o in opts:
        name = option_name(o)
        flat = not ctx.price(o, 0.0, ov.get(name)).summary["duty_overridden"]
        for tier in itc_tiers:
            cached: float | None = None
            for r in grid:
                if cached is None or not flat:
                    s = ctx.price(o, r, ov.get(name))
                    cached = metric_value(deal, lifetime, s, metric, tier, revenue=revenue)
                recs.append({"itc_tier": tier, "option": name, "import_duty_rate": r,
                             metric: cached})
    return pd.DataFrame(recs)


def plot_parity_curves(
    curves: pd.DataFrame,
    path: str | Path,
    *,
    marks: Mapping[str, float] | None = None,
    breakevens: Sequence[BreakEven] = (),
    title: str | None = None,
) -> Path:
    """Plot :func:`parity_curves` output (one panel per ITC tier) to a PNG / SVG / PDF file.

    Parameters
    ----------
    curves : DataFrame
        From :func:`parity_curves`.
    path : str or Path
        Output file; the suffix picks the format.
    marks : mapping, optional
        ``{label: rate}`` vertical reference lines, e.g. ``{"Jan 2026 (48.4%)": 0.484}``.
    breakevens : sequence of BreakEven
        Break-even tariffs to mark (those of a panel's tier with a value).
    title : str, optional
        Figure title.

    Returns
    -------
    Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"plot file must end in .png, .svg or .pdf, got {path.name!r}")
    metric = [c for c in curves.columns if c not in ("itc_tier", "option", "import_duty_rate")]
    if len(metric) != 1 or metric[0] not in METRICS:
        raise ValueError(f"curves must come from parity_curves, got columns {list(curves.columns)}")
    m = METRICS[metric[0]]
    tiers = list(dict.fromkeys(curves["itc_tier"]))
    fig, axes = plt.subplots(1, len(tiers), figsize=(5.0 * len(tiers), 4.0), squeeze=False,
                             sharey=True)
    scale = 100.0 if m.unit == "-" else 1.0
    for ax, tier in zip(axes[0], tiers, strict=True):
        sub = curves[curves["itc_tier"] == tier]
        for opt, g in sub.groupby("option", sort=False):
            ax.plot(g["import_duty_rate"] * 100, g[m.name] * scale, label=str(opt))
        for label, rate in (marks or {}).items():
            ax.axvline(rate * 100, color="grey", ls=":", lw=1)
            ax.annotate(label, (rate * 100, 0.02), xycoords=("data", "axes fraction"),
                        rotation=90, fontsize=7, color="grey")
        for be in breakevens:
            if be.itc_tier == tier and be.found and be.variable == "import_duty_rate":
                ax.plot([be.value * 100], [be.import_metric * scale], "ko", ms=4)
        ax.set_title(f"ITC tier: {tier}")
        ax.set_xlabel("total duty on imported battery lines [%]")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"{m.label} [{'%' if m.unit == '-' else m.unit}]")
    axes[0][0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
