"""The one catalogue of headline metrics: name, label, unit, direction and display format.

Every place that names, labels, formats or ranks a metric reads it from here: the fields of
:class:`bessfin.finance.Metrics`, a deal's JSON summary, the screen CSV and its ranking, the
Excel summary sheet, the HTML report, the tornado and the CLI tables. A metric has one name
everywhere. Names carry a unit suffix when the metric has a physical unit (``_usd``,
``_usd_per_mwh``, ``_usd_per_kw_yr``, ``_usd_per_kwh``, ``_year``); dimensionless ratios (IRRs,
DSCR, LLCR, rates, shares) are fractions or multiples without a suffix, their unit stated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricSpec:
    """One metric.

    Attributes
    ----------
    name : the metric's one name (field, JSON key, CSV column).
    label : human label, without the unit.
    unit : ``"fraction"``, ``"x"`` (multiple), ``"$"``, ``"$/MWh"``, ``"$/kW-yr"``,
        ``"$/kWh"``, ``"year"`` or ``"cycles/yr"``.
    direction : ``"higher"`` or ``"lower"`` is better (ranking order); None: neither.
    format : display kind (see :mod:`bessfin.report.fmt`).
    """

    name: str
    label: str
    unit: str
    direction: Direction | None
    format: str


_M = MetricSpec

#: All metrics, in display order.
METRIC_SPECS: tuple[MetricSpec, ...] = (
    _M("project_irr_pre_tax", "Project IRR, pre-tax", "fraction", "higher", "pct"),
    _M("project_irr_after_tax", "Project IRR, after tax", "fraction", "higher",
       "pct"),
    _M("equity_irr_after_tax", "Equity IRR, after tax", "fraction", "higher", "pct"),
    _M("project_npv_pre_tax_usd", "Project NPV, pre-tax", "$", "higher", "usd_m"),
    _M("project_npv_after_tax_usd", "Project NPV, after tax", "$", "higher", "usd_m"),
    _M("equity_npv_after_tax_usd", "Equity NPV, after tax", "$", "higher", "usd_m"),
    _M("project_payback_year", "Project payback year", "year", "lower", "year"),
    _M("equity_payback_year", "Equity payback year", "year", "lower", "year"),
    _M("debt_usd", "Debt at COD", "$", "higher", "usd_m"),
    _M("gearing", "Gearing (debt / initial capex)", "fraction", "higher", "pct"),
    _M("min_dscr", "Minimum DSCR", "x", "higher", "ratio"),
    _M("avg_dscr", "Average DSCR", "x", "higher", "ratio"),
    _M("llcr", "LLCR", "x", "higher", "ratio"),
    _M("capex_usd", "Capex at COD", "$", "lower", "usd_m"),
    _M("lcos_usd_per_mwh", "LCOS without credits", "$/MWh", "lower", "usd_per_mwh"),
    _M("lcos_with_credits_usd_per_mwh", "LCOS with credits", "$/MWh", "lower", "usd_per_mwh"),
    _M("year1_revenue_usd", "Year-1 revenue", "$", "higher", "usd_m"),
    _M("year1_merchant_usd_per_kw_yr", "Year-1 merchant revenue", "$/kW-yr", "higher",
       "number"),
    _M("avg_cycles_per_year", "Average cycles per year", "cycles/yr", None, "number"),
    _M("itc_rate", "ITC rate", "fraction", "higher", "pct"),
    _M("dc_block_usd_per_kwh", "DC block price", "$/kWh", "lower", "usd_per_kwh"),
    _M("net_dc_block_usd_per_kwh", "Net DC block price", "$/kWh", "lower", "usd_per_kwh"),
    _M("dc_block_net_of_itc_usd_per_kwh", "DC block net of ITC", "$/kWh", "lower",
       "usd_per_kwh"),
)

#: Metric specs by name.
METRIC_CATALOGUE: dict[str, MetricSpec] = {m.name: m for m in METRIC_SPECS}


def metric(name: str) -> MetricSpec:
    """The spec of metric ``name``; a clear error naming the valid names otherwise."""
    try:
        return METRIC_CATALOGUE[name]
    except KeyError:
        raise ValueError(
            f"unknown metric {name!r}; valid metrics: {', '.join(METRIC_CATALOGUE)}"
        ) from None


def lower_is_better(name: str) -> bool:
    """True when smaller values of metric ``name`` rank first."""
    return metric(name).direction == "lower"


def rankable() -> tuple[str, ...]:
    """Names of metrics with a direction (those a list of deals can be ranked by)."""
    return tuple(m.name for m in METRIC_SPECS if m.direction is not None)
