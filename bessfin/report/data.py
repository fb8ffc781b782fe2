"""Frames a report shows, read from a :class:`~bessfin.deal.DealResult` (no plotting here).

Every function is pure and returns a small ``DataFrame`` (or list of rows) whose numbers come
from the pro forma, the lifetime dispatch or the supply outcome; the HTML report and the Excel
workbook draw and tabulate these same frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bessfin.deal import DealResult
from bessfin.dispatch import DispatchResult, LifetimeResult
from bessfin.finance import METRIC_CATALOGUE, ProForma
from bessfin.finance import lines as L
from bessfin.supply import SupplyOutcome


@dataclass(frozen=True)
class Metric:
    """One headline number with how to show it.

    Attributes
    ----------
    group : section of the metrics table (e.g. ``"Project (unlevered)"``).
    label : what it is.
    value : the number (in $ or as a fraction), text, or ``None``.
    kind : formatting kind (see :mod:`bessfin.report.fmt`).
    note : short explanation (cash flow used, rate, reason for n/a).
    name : the metric's catalogue name (:data:`bessfin.finance.METRIC_CATALOGUE`).
    """

    group: str
    label: str
    value: float | int | str | None
    kind: str
    note: str = ""
    name: str = ""


def revenue_lines(pf: ProForma) -> list[str]:
    """Pro forma revenue lines (merchant streams and contracts), without the total."""
    return L.revenue_lines(pf.annual.index)


def stream_label(line: str) -> str:
    """Short label of a revenue line: ``revenue: merchant reg_up`` -> ``reg_up``."""
    return L.short_label(line)


def revenue_by_stream(pf: ProForma) -> pd.DataFrame:
    """Revenue by stream and operating year [$].

    Returns
    -------
    DataFrame
        Index operating year 1..N; one column per revenue line that is non-zero in some year
        (merchant streams by dispatch name, then contracts), signed as in the pro forma.
    """
    lines = [n for n in revenue_lines(pf) if (pf.annual.loc[n] != 0).any()]
    frame = pf.annual.loc[lines, pf.annual.columns[1:]].T
    frame.columns = [stream_label(n) for n in lines]
    frame.index.name = "year"
    return frame


def _local(dispatch: DispatchResult) -> pd.DatetimeIndex:
    return dispatch.schedule.index.tz_convert(dispatch.timezone)


def award_columns(dispatch: DispatchResult) -> list[str]:
    """Ancillary award columns (``<product>_mw``) of the hourly schedule."""
    return [c for c in dispatch.schedule.columns
            if c.endswith("_mw") and c not in ("charge_mw", "discharge_mw")]


def typical_day(dispatch: DispatchResult) -> pd.DataFrame:
    """Mean schedule by local hour of day (the year-1 "typical day").

    Returns
    -------
    DataFrame
        Index local hour 0..23; columns ``charge_mw``, ``discharge_mw``, each award
        ``<product>_mw`` [MW], ``soc_mwh`` [MWh], ``energy_price`` (mean), ``price_p10`` and
        ``price_p90`` [$/MWh].
    """
    s = dispatch.schedule
    hour = pd.Index(_local(dispatch).hour, name="hour")
    cols = ["charge_mw", "discharge_mw", *award_columns(dispatch), "soc_mwh", "energy_price"]
    out = s[cols].groupby(hour).mean()
    price = s["energy_price"].groupby(hour)
    out["price_p10"] = price.quantile(0.1)
    out["price_p90"] = price.quantile(0.9)
    return out


def soc_heatmap(dispatch: DispatchResult) -> pd.DataFrame:
    """State of charge as a fraction of nameplate energy, hour of day x local day.

    Returns
    -------
    DataFrame
        Index local hour 0..23, columns local dates; values end-of-hour SOC / ``energy_mwh``
        [-]. The fall-back hour is averaged; the missing spring-forward hour is NaN.
    """
    local = _local(dispatch)
    soc = dispatch.schedule["soc_mwh"].to_numpy() / dispatch.battery.energy_mwh
    frame = pd.DataFrame({"date": local.date, "hour": local.hour, "soc": soc})
    table = frame.pivot_table(index="hour", columns="date", values="soc", aggfunc="mean",
                              dropna=False)
    return table.reindex(range(24))


def monthly_revenue(lifetime: LifetimeResult) -> pd.DataFrame:
    """Year-1 merchant dispatch revenue by local month and stream [$] (streams never
    non-zero are dropped): the mean over the price-year scenarios when there are several."""
    monthly = lifetime.year_one_monthly().drop(columns=["discharged_mwh", "mean_energy_price"])
    return monthly.loc[:, (monthly != 0).any()]


#: Steps of the lifetime cash-flow waterfall: label -> pro forma lines summed over years 0..N.
WATERFALL_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Capex (incl. augmentation)", (L.CAPEX_TOTAL,)),
    ("Revenue", (L.REVENUE_TOTAL,)),
    ("Opex", (L.OPEX_TOTAL,)),
    ("Debt drawdown", (L.DEBT_DRAWDOWN,)),
    ("Debt fee", (L.DEBT_FEE,)),
    ("Interest", (L.DEBT_INTEREST,)),
    ("Principal", (L.DEBT_PRINCIPAL,)),
    ("Income tax", (L.TAX_STATE, L.TAX_FEDERAL)),
    ("ITC", (L.ITC_TRANSFER, L.ITC_USED)),
)
WATERFALL_TOTAL = L.EQUITY


def waterfall(pf: ProForma) -> pd.DataFrame:
    """Lifetime cash-flow waterfall to equity, nominal and undiscounted [$].

    Returns
    -------
    DataFrame
        One row per step of :data:`WATERFALL_STEPS` (column ``value``: the step's lines summed
        over years 0..N, ``start`` and ``end``: the running total before and after), then a
        total row ``Equity cash flow`` (the sum of ``cash flow to equity``), ``is_total`` True.
        The steps add up to the total by the pro forma's sign convention.
    """
    a = pf.annual
    rows, running = [], 0.0
    for label, lines in WATERFALL_STEPS:
        value = float(sum(a.loc[n].sum() for n in lines if n in a.index))
        rows.append({"step": label, "value": value, "start": running,
                     "end": running + value, "is_total": False})
        running += value
    total = float(a.loc[WATERFALL_TOTAL].sum())
    rows.append({"step": "Equity cash flow", "value": total, "start": 0.0, "end": total,
                 "is_total": True})
    return pd.DataFrame(rows).set_index("step")


def dscr_by_year(pf: ProForma) -> pd.DataFrame:
    """DSCR and its sizing target by year, from year 1 to the last year with debt service
    (empty without debt service).

    Returns
    -------
    DataFrame
        Index operating year (DSCR is NaN in a year without debt service); columns
        ``dscr`` (base-case CFADS / debt service) and ``target`` (blended target DSCR the
        debt was sized on) [-], ``cfads`` and ``debt_service`` [$, positive].
    """
    a = pf.annual
    service = -a.loc[L.DEBT_SERVICE]
    paying = [y for y in a.columns if y >= 1 and service[y] > 0]
    years = list(range(1, max(paying) + 1)) if paying else []
    return pd.DataFrame({
        "dscr": a.loc[L.DSCR, years].astype(float),
        "target": a.loc[L.TARGET_DSCR, years].astype(float),
        "cfads": a.loc[L.CFADS, years].astype(float),
        "debt_service": service[years].astype(float),
    }).rename_axis("year")


def landed_by_layer(supply: SupplyOutcome | None) -> pd.DataFrame:
    """Landed cost of each supply line split into FOB, freight and each duty layer [$].

    Returns
    -------
    DataFrame
        Index supply line name; columns ``FOB``, ``freight`` and one per duty layer that is
        non-zero on some line (display names), then ``landed``. Empty without a supply option.
    """
    if supply is None or supply.landed.empty:
        return pd.DataFrame()
    from bessfin.supply import LAYERS

    land = supply.landed.set_index("name")
    out = pd.DataFrame({"FOB": land["fob_usd"], "freight": land["freight_usd"]})
    for key, name in LAYERS.items():
        col = f"duty_{key}_usd"
        if col in land and (land[col] != 0).any():
            out[name] = land[col]
    out["landed"] = land["landed_usd"]
    return out


def _payback_note(year: int | None) -> str:
    return "never (cumulative cash flow stays negative)" if year is None else ""


def _metric(group: str, name: str, value: float | int | str | None, note: str) -> Metric:
    spec = METRIC_CATALOGUE[name]
    return Metric(group, spec.label, value, spec.format, note, name)


def key_metrics(result: DealResult) -> list[Metric]:
    """Headline metrics, grouped: project (unlevered), equity (levered), debt, cost, credit.

    Labels and formats come from :data:`bessfin.finance.METRIC_CATALOGUE`."""
    pf, m = result.pro_forma, result.pro_forma.metrics
    notes = m.irr_notes
    capex0 = float(-pf.line(L.CAPEX_TOTAL).iloc[0])
    kwh = result.deal.battery.energy_mwh * 1e3
    r = f"at {m.discount_rate:.1%}"
    year1 = float(pf.line(L.REVENUE_TOTAL).loc[1])
    return [
        _metric("Project (unlevered)", "project_irr_pre_tax", m.project_irr_pre_tax,
                notes.get("project_irr_pre_tax", "capex then CFADS, before tax and credits")),
        _metric("Project (unlevered)", "project_irr_after_tax", m.project_irr_after_tax,
                notes.get("project_irr_after_tax", "unlevered, after tax, with the ITC")),
        _metric("Project (unlevered)", "project_npv_after_tax_usd", m.project_npv_after_tax_usd,
                f"$M {r}"),
        _metric("Project (unlevered)", "project_payback_year", m.project_payback_year,
                _payback_note(m.project_payback_year) or "cumulative after-tax cash flow >= 0"),
        _metric("Equity (levered)", "equity_irr_after_tax", m.equity_irr_after_tax,
                notes.get("equity_irr_after_tax", "cash flow to equity after debt, tax, ITC")),
        _metric("Equity (levered)", "equity_npv_after_tax_usd", m.equity_npv_after_tax_usd,
                f"$M {r}"),
        _metric("Equity (levered)", "equity_payback_year", m.equity_payback_year,
                _payback_note(m.equity_payback_year)),
        _metric("Debt", "debt_usd", m.debt_usd, f"$M, gearing {m.gearing:.1%}"
                if np.isfinite(m.gearing) else "$M"),
        _metric("Debt", "min_dscr", m.min_dscr, "base-case CFADS / debt service"),
        _metric("Debt", "avg_dscr", m.avg_dscr, "over years with debt service"),
        _metric("Debt", "llcr", m.llcr, "PV(CFADS over the tenor) / debt"),
        _metric("Cost", "capex_usd", capex0, f"$M, {capex0 / kwh:,.0f} $/kWh"),
        _metric("Cost", "lcos_usd_per_mwh", m.lcos_usd_per_mwh,
                f"$/MWh discharged, {r}, excludes charging cost"),
        _metric("Cost", "lcos_with_credits_usd_per_mwh", m.lcos_with_credits_usd_per_mwh,
                "$/MWh, less PV of the ITC's cash value"),
        _metric("Revenue", "year1_revenue_usd", year1,
                f"$M, {year1 / (result.deal.battery.power_mw * 1e3):,.1f} $/kW-yr"),
        _metric("Revenue", "avg_cycles_per_year",
                float(result.lifetime.annual["cycles"].mean()),
                f"dispatch mode: {result.lifetime.mode}"),
        _metric("Credit", "itc_rate", pf.itc.rate, f"tier: {pf.itc.tier}; MACR "
                f"{pf.inputs.itc.macr_status}"
                + ("; OVERRIDE: " + result.deal.itc.override_reason
                   if result.deal.itc.override and result.deal.itc.override_reason else "")),
    ]


def metrics_frame(results: list[DealResult]) -> tuple[pd.DataFrame, list[str]]:
    """Key metrics of several deals side by side.

    Returns
    -------
    tuple
        ``(frame, kinds)``: frame indexed by ``(group, label)`` with one column per deal name
        (made unique by suffixing ``#2``, ``#3`` ...), and the formatting kind of each row.
    """
    columns: dict[str, list] = {}
    kinds: list[str] = []
    index: list[tuple[str, str]] = []
    for i, res in enumerate(results):
        name = res.deal.name
        while name in columns:
            name = f"{res.deal.name} #{i + 1}"
        ms = key_metrics(res)
        columns[name] = [x.value for x in ms]
        if not index:
            index = [(x.group, x.label) for x in ms]
            kinds = [x.kind for x in ms]
    rows = pd.MultiIndex.from_tuples(index, names=["group", "metric"])
    frame = pd.DataFrame(columns, index=rows)
    return frame, kinds


def average_revenue_per_kw(result: DealResult) -> pd.Series:
    """Mean annual revenue by stream over the life per kW of power [$/kW-yr]."""
    return revenue_by_stream(result.pro_forma).mean() / (result.deal.battery.power_mw * 1e3)


def fleet_benchmarks(result: DealResult) -> list[tuple[str, float]]:
    """(label, $ per year) of published fleet revenue for the deal's ISO and price years
    (bessfin/markets/data/fleet_revenue.csv) at the deal's power; [] where none exists."""
    from bessfin.markets import fleet_benchmark

    d = result.deal
    out = []
    for year in sorted(set(d.market.price_years)):
        b = fleet_benchmark(d.market.iso, year)
        if b is not None:
            out.append((f"fleet {d.market.iso.upper()} {year}: ${b['usd_per_kw_yr']:g}/kW-yr "
                        f"({b['fact']})", b["usd_per_kw_yr"] * d.battery.power_mw * 1e3))
    return out
