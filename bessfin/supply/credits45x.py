"""Section 45X advanced manufacturing production credit for battery components.

Rates, the sale-year phase-down, the 100:1 capacity cap and the (UNCERTAIN) component MACR
thresholds are read from ``credits45x.toml``. The credit goes to the US manufacturer; the
``pass_through`` share is the part of it that reaches the buyer's price.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Credit45XResult",
    "credit_45x",
    "macr_threshold_45x",
    "phase_down_45x",
    "price_effect_45x",
    "valid_components_45x",
]


@cache
def _data() -> dict[str, Any]:
    text = files("bessfin.supply").joinpath("credits45x.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _year_table(table: dict[str, float]) -> list[tuple[int, float]]:
    return sorted((int(k), float(v)) for k, v in table.items())


def _step(table: list[tuple[int, float]], year: int) -> float:
    value = table[0][1]
    for y, v in table:
        if year >= y:
            value = v
    return value


def valid_components_45x() -> tuple[str, ...]:
    """Component names accepted by :func:`credit_45x`."""
    return tuple(_data()["components"])


def phase_down_45x(sale_year: int) -> float:
    """45X phase-down multiplier for non-mineral components by sale year.

    Parameters
    ----------
    sale_year : int
        Calendar year the component is sold.

    Returns
    -------
    float
        1.0 through 2029, 0.75 in 2030, 0.50 in 2031, 0.25 in 2032, 0 from 2033 [-].
    """
    return _step(_year_table(_data()["phase_down"]["table"]), int(sale_year))


def macr_threshold_45x(sale_year: int, macr_2029: float | None = None) -> float | None:
    """Material-assistance cost ratio threshold for battery components (UNCERTAIN table).

    Parameters
    ----------
    sale_year : int
        Calendar year of sale.
    macr_2029 : float, optional
        Threshold for 2029, DISPUTED between 0.80 and 0.75; defaults to the data file's default.

    Returns
    -------
    float or None
        Threshold [fraction]; None before the first year the test applies (2026).
    """
    spec = _data()["macr_threshold"]
    if macr_2029 is None:
        macr_2029 = float(spec["default_2029"])
    if not 0.0 <= macr_2029 <= 1.0:
        raise ValueError(f"macr_2029 must be a fraction in [0, 1], got {macr_2029!r}")
    year = int(sale_year)
    if year < int(spec["first_year"]):
        return None
    table = dict(_year_table(spec["table"]))
    table[2029] = float(macr_2029)
    return _step(sorted(table.items()), year)


class Credit45XResult(BaseModel):
    """45X credit on one component line.

    Attributes
    ----------
    component : str
        Component name.
    sale_year : int
        Sale year.
    kwh_counted : float or None
        Capacity counted after the 100:1 cap [kWh].
    base_credit_usd : float
        Credit before phase-down and MACR [USD].
    phase_multiplier : float
        Phase-down multiplier [-].
    macr_threshold : float or None
        Component MACR threshold for the sale year [fraction], None if not applicable.
    eligible : bool
        False if the manufacturer's MACR is below the threshold.
    credit_usd : float
        Credit to the manufacturer [USD].
    credit_usd_per_kwh : float or None
        ``credit_usd / kwh`` (the nominal kWh passed in) [USD/kWh].
    pass_through : float
        Share of the credit passed to the buyer [fraction].
    buyer_price_effect_usd_per_kwh : float or None
        Change in the buyer's price = -pass_through * credit_usd_per_kwh [USD/kWh]
        (negative = cheaper).
    reasons : tuple of str
        How the result was reached.
    status, source : str
        Provenance of the rate.
    """

    model_config = ConfigDict(frozen=True)

    component: str
    sale_year: int
    kwh_counted: float | None
    base_credit_usd: float
    phase_multiplier: float
    macr_threshold: float | None
    eligible: bool
    credit_usd: float
    credit_usd_per_kwh: float | None
    pass_through: float
    buyer_price_effect_usd_per_kwh: float | None
    reasons: tuple[str, ...]
    status: str
    source: str


def _fraction(name: str, value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1], got {value!r}")


def credit_45x(
    component: str,
    kwh: float | None,
    sale_year: int,
    *,
    production_cost_usd: float | None = None,
    power_kw: float | None = None,
    macr: float | None = None,
    macr_2029: float | None = None,
    pass_through: float = 0.0,
) -> Credit45XResult:
    """45X credit for a quantity of one battery component.

    Parameters
    ----------
    component : str
        One of :func:`valid_components_45x`: ``cell``, ``module``, ``module_without_cells``,
        ``electrode_active_material``.
    kwh : float or None
        Capacity sold [kWh]. Required for per-kWh components; optional for electrode active
        materials (then only used to express the credit per kWh).
    sale_year : int
        Calendar year of sale (drives phase-down and MACR threshold).
    production_cost_usd : float, optional
        Production cost [USD]; required for ``electrode_active_material`` (credit = 10 % of it).
    power_kw : float, optional
        Rated power [kW]; if given, counted capacity is capped at 100 kWh per kW.
    macr : float, optional
        Manufacturer's material-assistance cost ratio [fraction]. If the test applies (sale year
        >= 2026) and ``macr`` is below the threshold, the credit is 0. If None, not checked.
    macr_2029 : float, optional
        DISPUTED 2029 threshold (0.80 or 0.75).
    pass_through : float
        Share of the credit reaching the buyer's price [fraction, 0..1].

    Returns
    -------
    Credit45XResult

    Raises
    ------
    ValueError
        Unknown component (valid names listed), missing/negative quantities, or fractions
        outside [0, 1].
    """
    comps = _data()["components"]
    if component not in comps:
        raise ValueError(
            f"unknown 45X component {component!r}; valid components: {', '.join(comps)}"
        )
    spec = comps[component]
    _fraction("pass_through", pass_through)
    _fraction("macr", macr)
    if kwh is not None and kwh < 0:
        raise ValueError(f"kwh must be >= 0, got {kwh!r}")
    reasons: list[str] = []
    counted = kwh
    if kwh is not None and power_kw is not None:
        if power_kw < 0:
            raise ValueError(f"power_kw must be >= 0, got {power_kw!r}")
        cap = float(_data()["capacity_cap"]["max_kwh_per_kw"]) * power_kw
        if kwh > cap:
            counted = cap
            reasons.append(f"capacity capped at 100:1 -> {cap:g} kWh counted")
    if spec["kind"] == "per_kwh":
        if counted is None:
            raise ValueError(f"component {component!r} needs kwh")
        base = float(spec["rate_usd_per_kwh"]) * counted
    else:
        if production_cost_usd is None or production_cost_usd < 0:
            raise ValueError(f"component {component!r} needs production_cost_usd >= 0")
        base = float(spec["cost_share"]) * production_cost_usd

    phase = phase_down_45x(sale_year)
    reasons.append(f"phase-down multiplier {phase:g} for sale year {sale_year}")
    threshold = macr_threshold_45x(sale_year, macr_2029)
    eligible = True
    if threshold is None:
        reasons.append("component MACR test not applicable before 2026")
    elif macr is None:
        reasons.append(f"component MACR not checked (threshold {threshold:.0%}, UNCERTAIN)")
    elif macr < threshold:
        eligible = False
        reasons.append(f"MACR {macr:.1%} < threshold {threshold:.0%}: no credit")
    else:
        reasons.append(f"MACR {macr:.1%} >= threshold {threshold:.0%}")
    credit = base * phase if eligible else 0.0
    per_kwh = credit / kwh if kwh else None
    return Credit45XResult(
        component=component,
        sale_year=int(sale_year),
        kwh_counted=counted,
        base_credit_usd=base,
        phase_multiplier=phase,
        macr_threshold=threshold,
        eligible=eligible,
        credit_usd=credit,
        credit_usd_per_kwh=per_kwh,
        pass_through=pass_through,
        buyer_price_effect_usd_per_kwh=None if per_kwh is None else -pass_through * per_kwh,
        reasons=tuple(reasons),
        status=spec["status"],
        source=spec["source"],
    )


def price_effect_45x(
    sale_year: int,
    components: Iterable[str] = ("cell", "module"),
    pass_through: float = 1.0,
    *,
    macr: float | None = None,
    macr_2029: float | None = None,
    eam_production_cost_usd_per_kwh: float | None = None,
) -> float:
    """Change in a buyer's price per kWh from passed-through 45X credits.

    Parameters
    ----------
    sale_year : int
        Sale year of the components.
    components : iterable of str
        Components made in the US and claimed (e.g. ``("cell", "module")``).
    pass_through : float
        Share of the credit passed to the buyer [fraction].
    macr, macr_2029 : float, optional
        As in :func:`credit_45x`.
    eam_production_cost_usd_per_kwh : float, optional
        Electrode active material production cost [USD/kWh]; needed if that component is listed.

    Returns
    -------
    float
        Price change [USD/kWh]; negative means a lower price.
    """
    total = 0.0
    for comp in components:
        res = credit_45x(
            comp,
            1.0,
            sale_year,
            production_cost_usd=eam_production_cost_usd_per_kwh,
            macr=macr,
            macr_2029=macr_2029,
            pass_through=pass_through,
        )
        assert res.buyer_price_effect_usd_per_kwh is not None
        total += res.buyer_price_effect_usd_per_kwh
    return total
