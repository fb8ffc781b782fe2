"""Charts as inline SVG strings (matplotlib, no pyplot state, no files, no network).

Each ``*_chart`` function takes one of the frames of :mod:`bessfin.report.data` and returns an
``<svg>`` element ready to be placed in an HTML page: text stays text (selectable), ids are
prefixed so several charts can share one page, and the size follows the page width.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from itertools import count

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from bessfin.report.fmt import format_value

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "bessfin-report",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "Liberation Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
}
_IDS = count(1)
POS, NEG, TOTAL, TARGET = "#2a9d8f", "#e76f51", "#264653", "#c1121f"
_GREY = "#9e9e9e"

money_m = FuncFormatter(lambda x, _: f"{x / 1e6:,.1f}")
money_k = FuncFormatter(lambda x, _: f"{x / 1e3:,.0f}")


def stream_colors(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per revenue stream (wear cost grey, contracts after merchant)."""
    palette = [mpl.colors.to_hex(c) for c in mpl.colormaps["tab20"].colors]
    palette = palette[::2] + palette[1::2]  # strong colours first
    palette = [c for c in palette if c not in ("#7f7f7f", "#c7c7c7")]  # grey = wear cost
    out: dict[str, str] = {}
    for name in names:
        if name in out:
            continue
        out[name] = _GREY if name == "degradation" else palette[len(out) % len(palette)]
    return out


def to_svg(fig: Figure, label: str) -> str:
    """Render ``fig`` to an inline ``<svg>`` with unique ids and an accessible label."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", dpi=150, metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    prefix = f"c{next(_IDS)}-"
    ids = set(re.findall(r'\bid="([^"]+)"', svg))

    def sub(m: re.Match[str]) -> str:
        return m.group(1) + prefix + m.group(2) if m.group(2) in ids else m.group(0)

    svg = re.sub(r'(\bid="|url\(#|href="#)([^")]+)', sub, svg)
    head_end = svg.index(">")
    head = re.sub(r'\sheight="[^"]*"', "", svg[:head_end])  # height follows the viewBox
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    head += f' class="chart" role="img" aria-label="{label}"'
    return head + svg[head_end:]


def _fig(width: float = 9.0, height: float = 3.6, **kw) -> Figure:
    with mpl.rc_context(_RC):
        return Figure(figsize=(width, height), **kw)


def _stacked(ax, frame: pd.DataFrame, colors: Mapping[str, str], x: np.ndarray,
             width: float = 0.8) -> None:
    """Bars stacked up for positive values and down for negative ones."""
    up = np.zeros(len(frame))
    down = np.zeros(len(frame))
    for col in frame.columns:
        v = frame[col].to_numpy(dtype=float)
        pos, neg = np.clip(v, 0, None), np.clip(v, None, 0)
        if pos.any():
            ax.bar(x, pos, width, bottom=up, color=colors[col], label=col)
        if neg.any():
            ax.bar(x, neg, width, bottom=down, color=colors[col],
                   label=None if pos.any() else col, hatch="//" if pos.any() else None)
        up += pos
        down += neg


def revenue_chart(frame: pd.DataFrame, colors: Mapping[str, str],
                  benchmarks: Sequence[tuple[str, float]] = ()) -> str:
    """Stacked revenue by stream per operating year with the net total marked [$M];
    ``benchmarks``: (label, $ per year) drawn as dashed lines (published fleet revenue)."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.8)
        ax = fig.add_subplot()
        x = frame.index.to_numpy()
        _stacked(ax, frame, colors, x)
        ax.plot(x, frame.sum(axis=1), "o", color=TOTAL, ms=3.5, label="net total")
        for (label, usd), style in zip(benchmarks, ("--", ":", "-."), strict=False):
            ax.axhline(usd, color="#b2182b", lw=1.2, ls=style, label=label)
        ax.axhline(0, color="#555", lw=0.8)
        ax.yaxis.set_major_formatter(money_m)
        ax.set_ylabel("revenue [$M]")
        ax.set_xlabel("operating year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Revenue by stream and year")
        return to_svg(fig, "Stacked bar chart of revenue by stream and operating year")


def typical_day_chart(frame: pd.DataFrame, energy_mwh: float) -> str:
    """Year-1 typical day: mean charge/discharge and awards [MW]; price band and SOC."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 5.2)
        ax, axp = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        h = frame.index.to_numpy()
        ax.bar(h, frame["discharge_mw"], 0.8, color=POS, label="discharge")
        ax.bar(h, -frame["charge_mw"], 0.8, color=NEG, label="charge")
        awards = [c for c in frame.columns if c.endswith("_mw")
                  and c not in ("charge_mw", "discharge_mw")]
        for col in awards:
            ax.plot(h, frame[col], lw=1.4, label=f"{col.removesuffix('_mw')} award")
        ax.axhline(0, color="#555", lw=0.8)
        ax.set_ylabel("mean MW (charge < 0)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Typical day, year 1 (mean by local hour)")
        axp.fill_between(h, frame["price_p10"], frame["price_p90"], color="#d0d7e1",
                         label="price p10-p90")
        axp.plot(h, frame["energy_price"], color=TOTAL, lw=1.6, label="mean energy price")
        axp.set_ylabel("$/MWh")
        axp.set_xlabel("local hour of day")
        axs = axp.twinx()
        axs.plot(h, frame["soc_mwh"] / energy_mwh, color="#f4a261", lw=1.6, ls="--",
                 label="mean SOC")
        axs.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axs.set_ylim(0, 1)
        axs.grid(False)
        axs.spines["right"].set_visible(True)
        axs.set_ylabel("SOC [% of nameplate]")
        lines = axp.get_legend_handles_labels()
        more = axs.get_legend_handles_labels()
        axp.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left",
                   bbox_to_anchor=(1.08, 1.0))
        axp.set_xticks(range(0, 24, 2))
        return to_svg(fig, "Typical day: mean charge, discharge, awards, price and SOC by hour")


def soc_heatmap_chart(frame: pd.DataFrame) -> str:
    """Heatmap of SOC (% of nameplate), local hour of day x day of year."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.2)
        ax = fig.add_subplot()
        data = np.ma.masked_invalid(frame.to_numpy(dtype=float))
        img = ax.imshow(data, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                        interpolation="nearest", extent=(0.5, data.shape[1] + 0.5, -0.5, 23.5))
        ax.grid(False)
        dates = pd.to_datetime(pd.Index(frame.columns))
        starts = [i + 1 for i, d in enumerate(dates) if d.day == 1]
        ax.set_xticks(starts, [dates[i - 1].strftime("%b") for i in starts])
        ax.set_yticks([0, 6, 12, 18, 23])
        ax.set_ylabel("local hour")
        ax.set_xlabel(f"day of year ({dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d})")
        bar = fig.colorbar(img, ax=ax, pad=0.01)
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bar.set_label("SOC")
        ax.set_title("State of charge, year 1 (end of hour, % of nameplate energy)")
        return to_svg(fig, "Heatmap of state of charge by hour of day and day of year")


def monthly_chart(frame: pd.DataFrame, colors: Mapping[str, str]) -> str:
    """Year-1 merchant revenue by month and stream [$k]."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.6)
        ax = fig.add_subplot()
        x = np.arange(len(frame))
        _stacked(ax, frame, colors, x)
        ax.plot(x, frame.sum(axis=1), "o", color=TOTAL, ms=3.5, label="net total")
        ax.axhline(0, color="#555", lw=0.8)
        ax.set_xticks(x, [pd.Period(m).strftime("%b %Y") for m in frame.index], rotation=0,
                      fontsize=7.5)
        ax.yaxis.set_major_formatter(money_k)
        ax.set_ylabel("revenue [$k]")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Monthly merchant revenue by stream, year 1")
        return to_svg(fig, "Stacked bar chart of year-1 revenue by month and stream")


def waterfall_chart(frame: pd.DataFrame) -> str:
    """Lifetime cash-flow waterfall from capex to equity cash flow [$M]."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.8)
        ax = fig.add_subplot()
        x = np.arange(len(frame))
        for i, (_, row) in enumerate(frame.iterrows()):
            lo, hi = sorted((row["start"], row["end"]))
            color = TOTAL if row["is_total"] else (POS if row["value"] >= 0 else NEG)
            ax.bar(i, hi - lo, 0.65, bottom=lo, color=color)
            ax.annotate(f"{row['value'] / 1e6:,.1f}", (i, hi), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
            if not row["is_total"] and i + 1 < len(frame):
                ax.plot([i + 0.33, i + 0.67], [row["end"]] * 2, color="#777", lw=0.7)
        ax.axhline(0, color="#555", lw=0.8)
        ax.set_xticks(x, [str(s) for s in frame.index], rotation=20, ha="right")
        ax.yaxis.set_major_formatter(money_m)
        ax.set_ylabel("$M, nominal, years 0..N")
        ax.set_title("Cash-flow waterfall to equity over the project life")
        return to_svg(fig, "Waterfall chart from capex through revenue, opex, debt, tax and "
                      "ITC to equity cash flow")


def dscr_chart(frame: pd.DataFrame, lender_min: float | None) -> str:
    """DSCR by year (bars) against the sizing target and the lender's minimum."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.4)
        ax = fig.add_subplot()
        x = frame.index.to_numpy()
        ok = frame["dscr"] >= (lender_min if lender_min is not None else -np.inf)
        ax.bar(x, frame["dscr"], 0.7, color=np.where(ok, POS, NEG), label="DSCR (base case)")
        ax.step(x, frame["target"], where="mid", color=TOTAL, lw=1.5,
                label="sizing target DSCR")
        if lender_min is not None:
            ax.axhline(lender_min, color=TARGET, ls="--", lw=1.2,
                       label=f"lender minimum {lender_min:.2f}x")
        for xi, v in zip(x, frame["dscr"], strict=True):
            ax.annotate("no DS" if not np.isfinite(v) else f"{v:.2f}", (xi, v if np.isfinite(v)
                        else 0), xytext=(0, 2), textcoords="offset points", ha="center",
                        fontsize=7.5)
        ax.set_ylim(0, max(np.nanmax(frame["dscr"].to_numpy()), np.nanmax(
            frame["target"].to_numpy()), lender_min or 0) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("operating year")
        ax.set_ylabel("DSCR [x]")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Debt service coverage by year")
        return to_svg(fig, "Bar chart of DSCR by year against the target")


def tornado_chart(frame: pd.DataFrame, metric: str, kind: str) -> str:
    """Tornado of a checked frame (:func:`bessfin.report.tornado.check_tornado`)."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 0.9 + 0.42 * len(frame))
        ax = fig.add_subplot()
        base = float(frame["base_value"].iloc[0])
        y = np.arange(len(frame))[::-1]
        low = frame["low_delta"].fillna(0).to_numpy()
        high = frame["high_delta"].fillna(0).to_numpy()
        ax.barh(y, low, 0.6, left=base, color="#457b9d", label="low setting")
        ax.barh(y, high, 0.6, left=base, color="#f4a261", label="high setting")
        span = np.nanmax(np.abs(np.concatenate([low, high, [0.0]]))) or 1.0
        for yi, (_, row) in zip(y, frame.iterrows(), strict=True):
            lo_d = 0.0 if not np.isfinite(row["low_delta"]) else row["low_delta"]
            hi_d = 0.0 if not np.isfinite(row["high_delta"]) else row["high_delta"]
            low_left = lo_d <= hi_d  # the smaller end is labelled on the left, ties: low left
            for d, label, value, left in ((lo_d, row["low_label"], row["low_value"], low_left),
                                          (hi_d, row["high_label"], row["high_value"],
                                           not low_left)):
                end = min(d, 0.0) if left else max(d, 0.0)
                ax.annotate(f"{label}: {format_value(value, kind)}", (base + end, yi),
                            xytext=(-4 if left else 4, 0), textcoords="offset points",
                            ha="right" if left else "left", va="center", fontsize=7.5)
        ax.axvline(base, color=TOTAL, lw=1.2)
        ax.set_xlim(base - 2.0 * span, base + 2.0 * span)
        ax.set_yticks(y, frame["parameter"].astype(str))
        ax.grid(axis="y", visible=False)
        if kind == "pct":
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        elif kind == "usd_m":
            ax.xaxis.set_major_formatter(money_m)
        ax.set_xlabel(f"{metric} (base {format_value(base, kind)})")
        ax.legend(loc="lower right")
        ax.set_title(f"Sensitivity of {metric}")
        return to_svg(fig, f"Tornado chart of {metric}")


def landed_chart(frame: pd.DataFrame) -> str:
    """Landed cost per supply line split into FOB, freight and duty layers [$M]."""
    with mpl.rc_context(_RC):
        parts = frame.drop(columns=["landed"])
        fig = _fig(9.5, 1.2 + 0.5 * len(frame))
        ax = fig.add_subplot()
        y = np.arange(len(frame))[::-1]
        left = np.zeros(len(frame))
        colors = stream_colors(list(parts.columns))
        for col in parts.columns:
            v = parts[col].to_numpy(dtype=float)
            if not v.any():
                continue
            ax.barh(y, v, 0.6, left=left, color=colors[col], label=col)
            left += v
        for yi, total in zip(y, frame["landed"], strict=True):
            ax.annotate(f"{total / 1e6:,.2f}", (total, yi), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7.5)
        ax.set_yticks(y, [str(i) for i in frame.index])
        ax.xaxis.set_major_formatter(money_m)
        ax.set_xlabel("$M")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Landed cost by duty layer")
        return to_svg(fig, "Stacked bar chart of landed cost by FOB, freight and duty layer")


def comparison_revenue_chart(frame: pd.DataFrame, colors: Mapping[str, str]) -> str:
    """Mean annual revenue per kW by stream, one stacked bar per deal [$/kW-yr]."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.8)
        ax = fig.add_subplot()
        x = np.arange(len(frame))
        _stacked(ax, frame, colors, x, width=0.6)
        ax.plot(x, frame.sum(axis=1), "o", color=TOTAL, ms=4, label="net total")
        ax.axhline(0, color="#555", lw=0.8)
        ax.set_xticks(x, [str(i) for i in frame.index])
        ax.set_ylabel("$/kW-yr, mean over life")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title("Revenue stack per deal")
        return to_svg(fig, "Stacked bars of mean annual revenue per kW by stream for each deal")


def overlay_chart(series: Mapping[str, pd.Series], *, title: str, ylabel: str,
                  kind: str = "number", hline: float | None = None,
                  hlines: Mapping[str, float] | None = None) -> str:
    """One line per deal over operating years (e.g. DSCR, revenue); ``hline`` one dashed
    level for all, ``hlines`` a dashed level per deal in the deal's colour (e.g. each
    lender's minimum DSCR)."""
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.4)
        ax = fig.add_subplot()
        for name, s in series.items():
            (line,) = ax.plot(s.index.to_numpy(), s.to_numpy(dtype=float), marker="o", ms=3,
                              lw=1.5, label=str(name))
            level = (hlines or {}).get(name)
            if level is not None:
                ax.axhline(level, color=line.get_color(), ls="--", lw=1.0,
                           label=f"{name}: lender minimum {level:.2f}x")
        if hline is not None:
            ax.axhline(hline, color=TARGET, ls="--", lw=1.0)
        if kind == "usd_m":
            ax.yaxis.set_major_formatter(money_m)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("operating year")
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title)
        return to_svg(fig, title)


def attribution_chart(frame: pd.DataFrame, metric: str, label: str, kind: str) -> str:
    """Waterfall of one metric from deal A (``start``) through each driver's change to deal B
    (``end``) (:func:`bessfin.studies.attribution`)."""
    scale, unit = (1e6, "$M") if kind == "usd_m" else (0.01, "pp") if kind == "pct" else (1, "")
    with mpl.rc_context(_RC):
        fig = _fig(9.5, 3.6)
        ax = fig.add_subplot()
        level = 0.0
        labels = list(frame.index)
        for i, (name, v) in enumerate(frame[metric].items()):
            v = 0.0 if not np.isfinite(v) else float(v)
            if name in ("start", "end"):
                lo, hi, color, level = min(0.0, v), max(0.0, v), TOTAL, v
                text = f"{v / scale:,.2f}"
            else:
                lo, hi = sorted((level, level + v))
                color = POS if v >= 0 else NEG
                level += v
                text = f"{v / scale:+,.2f}"
            ax.bar(i, hi - lo, 0.65, bottom=lo, color=color)
            ax.annotate(text, (i, hi), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7.5)
        ax.axhline(0, color="#555", lw=0.8)
        ax.set_xticks(np.arange(len(labels)), labels, rotation=20, ha="right")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / scale:,.1f}"))
        ax.set_ylabel(f"{label} [{unit}]" if unit else label)
        ax.set_title(f"{label}: from the first deal to this one, by driver")
        return to_svg(fig, f"Waterfall of {label} by driver")
