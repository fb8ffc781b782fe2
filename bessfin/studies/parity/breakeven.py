"""Break-evens: the import duty rate or domestic cell price at which two options tie."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bessfin.deal import Deal
from bessfin.dispatch import LifetimeResult
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
    option_line_specs,
    option_name,
)

# --------------------------------------------------------------------------------------------
# Break-even
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BreakEven:
    """Result of a break-even search.

    Attributes
    ----------
    variable : str
        ``"import_duty_rate"`` [fraction of FOB] or ``"cell_price_usd_per_kwh"`` [$/kWh].
    metric : str
        Metric made equal (:data:`METRICS`).
    itc_tier : str
        ITC tier of both options.
    import_option, domestic_option : str
        The two options.
    value : float or None
        Solved variable; ``None`` when there is no break-even in ``bracket``.
    bracket : tuple of float
        Search interval of the variable.
    import_metric, domestic_metric : float or None
        The two metrics at ``value``.
    ends : tuple
        ``((variable, import metric, domestic metric), ...)`` at both bracket ends.
    found : bool
        A break-even was found with both metrics equal.
    message : str
        One line: the break-even, or why there is none.
    """

    variable: str
    metric: str
    itc_tier: str
    import_option: str
    domestic_option: str
    value: float | None
    bracket: tuple[float, float]
    import_metric: float | None
    domestic_metric: float | None
    ends: tuple[tuple[float, float, float], ...]
    found: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN -> None)."""
        def clean(x: Any) -> Any:
            if isinstance(x, float):
                return x if math.isfinite(x) else None
            if isinstance(x, tuple | list):
                return [clean(v) for v in x]
            return x
        return {k: clean(v) for k, v in dataclasses.asdict(self).items()}


def _fmt(metric: str, x: float) -> str:
    unit = METRICS[metric].unit
    if not math.isfinite(x):
        return "NaN"
    if unit == "-":
        return f"{x:.4%}"
    if unit == "$":
        return f"${x:,.0f}"
    return f"{x:.4f} {unit}"


def _fmt_var(variable: str, x: float) -> str:
    return f"{x:.4%}" if variable == "import_duty_rate" else f"{x:.4f} $/kWh"


def _fmt_bound(variable: str, x: float) -> str:
    return f"{x:.4g}" if variable != "import_duty_rate" else f"{x * 100:.4g}%"


def _solve(
    f_import: Callable[[float], float],
    f_domestic: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    variable: str,
    metric: str,
    itc_tier: str,
    import_option: str,
    domestic_option: str,
    xtol: float,
) -> BreakEven:
    """Bracket ``f_import - f_domestic`` on [lo, hi] and solve with brentq."""
    ends = tuple((x, f_import(x), f_domestic(x)) for x in (lo, hi))
    common = dict(variable=variable, metric=metric, itc_tier=itc_tier,
                  import_option=import_option, domestic_option=domestic_option,
                  bracket=(lo, hi), ends=ends)
    label = METRICS[metric].label
    if any(not math.isfinite(v) for _, a, b in ends for v in (a, b)):
        bad = "; ".join(f"at {_fmt_var(variable, x)}: {import_option} {_fmt(metric, a)}, "
                        f"{domestic_option} {_fmt(metric, b)}" for x, a, b in ends)
        return BreakEven(value=None, import_metric=None, domestic_metric=None, found=False,
                         message=f"{label} is undefined at a bracket end ({bad}): no break-even "
                         "search", **common)
    d_lo, d_hi = (a - b for _, a, b in ends)
    if d_lo == 0.0 or d_hi == 0.0:
        x = lo if d_lo == 0.0 else hi
        a, b = ends[0 if d_lo == 0.0 else 1][1:]
        return BreakEven(value=x, import_metric=a, domestic_metric=b, found=True,
                         message=f"{label} equal at {variable} = {_fmt_var(variable, x)} "
                         f"({_fmt(metric, a)})", **common)
    if d_lo * d_hi > 0:
        higher = METRICS[metric].higher_is_better
        import_better = (d_lo > 0) == higher
        winner = import_option if import_better else domestic_option
        return BreakEven(
            value=None, import_metric=None, domestic_metric=None, found=False,
            message=(f"no break-even in [{_fmt_bound(variable, lo)}, {_fmt_bound(variable, hi)}]: "
                     f"{winner} has the better {label} throughout ({import_option} "
                     f"{_fmt(metric, ends[0][1])} vs {domestic_option} {_fmt(metric, ends[0][2])} "
                     f"at {_fmt_var(variable, lo)}; {_fmt(metric, ends[1][1])} vs "
                     f"{_fmt(metric, ends[1][2])} at {_fmt_var(variable, hi)})"),
            **common)
    from scipy.optimize import brentq  # lazy: scipy costs ~0.5 s to import
    x = float(brentq(lambda v: f_import(v) - f_domestic(v), lo, hi, xtol=xtol, rtol=1e-15,
                     maxiter=200))
    a, b = f_import(x), f_domestic(x)
    scale = max(1.0, abs(a), abs(b))
    unit = METRICS[metric].unit
    tol = 1e-7 if unit == "-" else 1e-6 * scale
    if abs(a - b) > tol:
        return BreakEven(
            value=x, import_metric=a, domestic_metric=b, found=False,
            message=(f"{label} jumps at {variable} = {_fmt_var(variable, x)} ({import_option} "
                     f"{_fmt(metric, a)} vs {domestic_option} {_fmt(metric, b)}): the ranking "
                     "flips there without the metrics being equal (an ITC / MACR / DC threshold "
                     "is crossed)"),
            **common)
    return BreakEven(value=x, import_metric=a, domestic_metric=b, found=True,
                     message=f"{label} equal at {variable} = {_fmt_var(variable, x)} "
                     f"({_fmt(metric, a)})", **common)


def breakeven_tariff(
    deal: Deal,
    lifetime: LifetimeResult | None,
    import_option: OptionLike,
    domestic_option: OptionLike,
    *,
    metric: str = "project_irr_after_tax",
    itc_tier: str = "deal",
    max_rate: float = 2.0,
    tariff_scenario: str | Scenario | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    xtol: float = 1e-12,
) -> BreakEven:
    """Total import duty rate on the import option at which ``metric`` equals the domestic one's.

    The rate replaces the scenario's duty on the import option's imported battery lines
    (module docstring); the domestic option keeps the scenario's duties. The metric difference is
    bracketed on ``[0, max_rate]`` and solved with ``scipy.optimize.brentq``.

    Parameters
    ----------
    deal, lifetime
        As in :func:`compare_options` (``lifetime`` may be None for the $/kWh metrics).
    import_option, domestic_option : str or CustomOption
        The two options.
    metric : str
        One of :data:`METRICS`.
    itc_tier : str
        ITC tier applied to both options.
    max_rate : float
        Upper end of the search [fraction of FOB].
    tariff_scenario, on_date, pass_through_45x, line_overrides
        As in :func:`compare_options`.
    xtol : float
        Absolute tolerance on the rate [fraction].

    Returns
    -------
    BreakEven
        ``value`` the rate [fraction], or None with ``message`` "no break-even in [0, X]: ...".
    """
    _check_metric(metric, lifetime)
    _check_tier(itc_tier)
    _check_options([import_option, domestic_option])
    if not max_rate > 0:
        raise ValueError(f"max_rate must be > 0, got {max_rate}")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    ov = dict(line_overrides or {})
    imp, dom = option_name(import_option), option_name(domestic_option)
    probe = ctx.price(import_option, 0.0, ov.get(imp))
    if not probe.summary["duty_overridden"]:
        raise ValueError(f"import option {imp!r} has no imported battery line: the duty rate "
                         "does not change it")
    revenue = lifetime.revenue_table() if lifetime is not None else None
    dom_supply = ctx.price(domestic_option, None, ov.get(dom))
    dom_value = metric_value(deal, lifetime, dom_supply, metric, itc_tier, revenue=revenue)

    def f_imp(rate: float) -> float:
        s = ctx.price(import_option, rate, ov.get(imp))
        return metric_value(deal, lifetime, s, metric, itc_tier, revenue=revenue)

    return _solve(f_imp, lambda _x: dom_value, 0.0, float(max_rate),
                  variable="import_duty_rate", metric=metric, itc_tier=itc_tier,
                  import_option=imp, domestic_option=dom, xtol=xtol)


def _cell_line(option: OptionLike, cell_line: str | None) -> str:
    specs = option_line_specs(option, {})
    names = [s["name"] for s in specs]
    if cell_line is not None:
        if cell_line not in names:
            raise ValueError(f"cell_line {cell_line!r} is not a line of {option_name(option)!r};"
                             f" lines: {names}")
        return cell_line
    cells = [s["name"] for s in specs if "cell" in s["name"].lower()]
    if len(cells) != 1:
        raise ValueError(f"cannot tell the cell line of {option_name(option)!r} (lines: "
                         f"{names}); pass cell_line")
    return cells[0]


def breakeven_cell_price(
    deal: Deal,
    lifetime: LifetimeResult | None,
    import_option: OptionLike,
    domestic_option: OptionLike,
    *,
    metric: str = "project_irr_after_tax",
    itc_tier: str = "deal",
    cell_line: str | None = None,
    price_range: tuple[float, float] = (0.0, 500.0),
    import_duty_rate: float | None = None,
    tariff_scenario: str | Scenario | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    xtol: float = 1e-9,
) -> BreakEven:
    """Domestic cell price [$/kWh] at which ``metric`` equals the import option's.

    The domestic option's cell line (``cell_line``, or its only line whose name contains "cell")
    gets ``usd_per_kwh`` = the price; DC % and MACR are recomputed at each price, so an option
    whose MACR or DC result flips inside the range is reported as a jump, not a break-even.

    Parameters
    ----------
    deal, lifetime, import_option, domestic_option, metric, itc_tier
        As in :func:`breakeven_tariff`.
    cell_line : str, optional
        Name of the domestic option's cell line.
    price_range : tuple of float
        Search interval [$/kWh].
    import_duty_rate : float, optional
        Duty on the import option's imported battery lines [fraction]; None = the scenario's.
    tariff_scenario, on_date, pass_through_45x, line_overrides
        As in :func:`compare_options`.
    xtol : float
        Absolute tolerance on the price [$/kWh].

    Returns
    -------
    BreakEven
        ``variable="cell_price_usd_per_kwh"``; ``import_option`` / ``domestic_option`` as given
        (the "import" side is the option held fixed).
    """
    _check_metric(metric, lifetime)
    _check_tier(itc_tier)
    _check_options([import_option, domestic_option])
    lo, hi = map(float, price_range)
    if not 0 <= lo < hi:
        raise ValueError(f"price_range must be (low, high) with 0 <= low < high, got {price_range}")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    ov = dict(line_overrides or {})
    imp, dom = option_name(import_option), option_name(domestic_option)
    line = _cell_line(domestic_option, cell_line)
    revenue = lifetime.revenue_table() if lifetime is not None else None
    imp_value = metric_value(deal, lifetime, ctx.price(import_option, import_duty_rate,
                                                       ov.get(imp)), metric, itc_tier,
                             revenue=revenue)
    base = {k: dict(v) for k, v in (ov.get(dom) or {}).items()}

    def f_dom(price: float) -> float:
        o = {**base, line: {**base.get(line, {}), "usd_per_kwh": price}}
        s = ctx.price(domestic_option, None, o)
        return metric_value(deal, lifetime, s, metric, itc_tier, revenue=revenue)

    return _solve(lambda _x: imp_value, f_dom, lo, hi, variable="cell_price_usd_per_kwh",
                  metric=metric, itc_tier=itc_tier, import_option=imp, domestic_option=dom,
                  xtol=xtol)
