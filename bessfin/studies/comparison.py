"""Deals side by side, as an investor acts on them: what differs, per-unit views, and why.

* :func:`assumption_differences` - every input that differs between deals (dotted keys of the
  deal file, defaults included) plus derived ones (duration, ITC rate, dispatch mode);
* :func:`normalised` - capex per kW and kWh, revenue, EBITDA and opex per kW-yr, NPV per kW
  and kWh;
* :func:`attribution` - the equity-IRR and NPV difference between two deals split by driver
  with sequential substitution (docs/comparison.md);
* :func:`compare` - all of it, optionally at one discount rate, as a :class:`Comparison`.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bessfin.deal import Deal, DealResult, as_deal, run_deal, value_deal
from bessfin.finance import METRIC_SPECS, FinanceInputs, build_pro_forma
from bessfin.finance import lines as L

#: Drivers of the attribution, in substitution order, with the finance-input fields (and the
#: revenue table, ``"revenue"``) each one swaps from deal B into deal A. Every field of
#: :class:`~bessfin.finance.FinanceInputs` belongs to exactly one driver, so the steps add up
#: to the whole difference.
DRIVERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("revenue", ("revenue", "contracts")),
    ("capex", ("power_mw", "energy_mwh", "capex", "augmentation")),
    ("ITC", ("itc",)),
    ("opex", ("opex",)),
    ("tax", ("tax",)),
    ("financing", ("debt",)),
    ("discount rate", ("discount_rate",)),
)

#: Metrics the attribution explains.
ATTRIBUTED = ("equity_irr_after_tax", "project_irr_after_tax", "project_npv_after_tax_usd",
              "equity_npv_after_tax_usd")

#: Keys never flagged as assumptions (labels, not inputs).
_LABELS = ("name", "description")


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: tuple(data) if isinstance(data, list) else data}


def _derived(r: DealResult) -> dict[str, Any]:
    d = r.deal
    return {
        "duration_h": round(d.battery.energy_mwh / d.battery.power_mw, 4),
        "battery.round_trip_efficiency": round(d.battery.round_trip_efficiency, 4),
        "itc_rate (resolved)": r.pro_forma.itc.rate,
        "dispatch_mode": r.lifetime.mode,
    }


def unique_names(results: Sequence[DealResult]) -> list[str]:
    """Deal names, a repeated one suffixed ``#n`` (its position)."""
    names: list[str] = []
    for i, r in enumerate(results):
        name = r.deal.name
        names.append(name if name not in names else f"{name} #{i + 1}")
    return names


def assumption_differences(results: Sequence[DealResult]) -> pd.DataFrame:
    """Every assumption that differs between the deals: one row per dotted key (deal file
    keys with their defaults, plus ``duration_h``, the resolved ITC rate and the dispatch
    mode), one column per deal; a key a deal does not have is ``None``."""
    flat = []
    for r in results:
        f = _flatten(r.deal.model_dump(mode="json"))
        f.update(_derived(r))
        flat.append({k: v for k, v in f.items() if k not in _LABELS})
    keys = list(dict.fromkeys(k for f in flat for k in f))
    rows = {k: [f.get(k) for f in flat] for k in keys
            if len({repr(f.get(k)) for f in flat}) > 1}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=unique_names(results),
                                 dtype=object)
    out.index.name = "assumption"
    return out


def normalised(results: Sequence[DealResult]) -> pd.DataFrame:
    """Per-unit views, one row per deal: ``capex_usd_per_kw``, ``capex_usd_per_kwh``; mean
    over the operating years of ``revenue_usd_per_kw_yr``, ``ebitda_usd_per_kw_yr``,
    ``opex_usd_per_kw_yr`` (a cost, positive) and ``revenue_usd_per_kwh_yr``;
    ``project_npv_after_tax_usd_per_kw`` and ``_per_kwh``. kW and kWh are the battery's rated
    power and energy."""
    rows = []
    for r in results:
        kw, kwh = r.deal.battery.power_mw * 1e3, r.deal.battery.energy_mwh * 1e3
        pf = r.pro_forma
        ops = pf.annual.columns[1:]
        capex = float(-pf.line(L.CAPEX_TOTAL).iloc[0])
        revenue = float(pf.line(L.REVENUE_TOTAL)[ops].mean())
        npv = float(pf.metrics.project_npv_after_tax_usd)
        rows.append({
            "capex_usd_per_kw": capex / kw,
            "capex_usd_per_kwh": capex / kwh,
            "revenue_usd_per_kw_yr": revenue / kw,
            "revenue_usd_per_kwh_yr": revenue / kwh,
            "ebitda_usd_per_kw_yr": float(pf.line(L.EBITDA)[ops].mean()) / kw,
            "opex_usd_per_kw_yr": float(-pf.line(L.OPEX_TOTAL)[ops].mean()) / kw,
            "project_npv_after_tax_usd_per_kw": npv / kw,
            "project_npv_after_tax_usd_per_kwh": npv / kwh,
        })
    return pd.DataFrame(rows, index=pd.Index(unique_names(results), name="deal"))


def _values(inputs: FinanceInputs, revenue: pd.DataFrame) -> dict[str, float]:
    m = build_pro_forma(inputs, revenue).metrics
    return {k: float(getattr(m, k)) for k in ATTRIBUTED}


def attribution(a: DealResult, b: DealResult) -> pd.DataFrame:
    """The change of each :data:`ATTRIBUTED` metric from deal ``a`` to deal ``b``, by driver.

    Sequential substitution: start from ``a``'s finance inputs and revenue table, swap in
    ``b``'s for one driver of :data:`DRIVERS` at a time (in that order) and re-run the pro
    forma; a driver's contribution is the change it makes. The rows add up to ``b - a``
    exactly (the last state is ``b``'s own inputs); a different order gives different
    contributions when drivers interact (e.g. ITC on a different capex), see
    docs/comparison.md.

    Returns one row per driver plus ``start`` (``a``) and ``end`` (``b``) rows, a column per
    metric. A step that cannot be valued (e.g. ``a``'s debt tenor beyond ``b``'s life) is NaN
    and its change falls to the next step that can.
    """
    ia, ib = a.pro_forma.inputs, b.pro_forma.inputs
    fields = set(FinanceInputs.model_fields)
    covered = {f for _, fs in DRIVERS for f in fs if f != "revenue"}
    if fields != covered:  # a new finance input must join a driver
        raise RuntimeError(f"attribution drivers miss finance inputs {sorted(fields - covered)}")
    revenue = a.lifetime.revenue_table()
    current = ia
    rows = {"start": _values(ia, revenue)}
    last = rows["start"]
    for driver, fs in DRIVERS:
        if "revenue" in fs:
            revenue = b.lifetime.revenue_table()
        current = current.model_copy(update={f: getattr(ib, f) for f in fs if f != "revenue"})
        try:
            now = _values(current, revenue)
        except ValueError:
            rows[driver] = dict.fromkeys(ATTRIBUTED, np.nan)
            continue
        rows[driver] = {k: now[k] - last[k] for k in ATTRIBUTED}
        last = now
    rows["end"] = _values(ib, b.lifetime.revenue_table())
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "driver"
    return out


def at_discount_rate(result: DealResult, rate: float) -> DealResult:
    """``result`` re-valued at another discount rate (same dispatch; NPVs and LCOS change)."""
    deal = result.deal.replace(**{"finance.discount_rate": rate})
    pf, checks = value_deal(deal, result.lifetime, result.supply)
    return dataclasses.replace(result, deal=deal, pro_forma=pf, checks=checks)


def _metric_frame(results: Sequence[DealResult]) -> pd.DataFrame:
    out = pd.DataFrame([r.metrics for r in results])
    out.index = pd.Index(unique_names(results), name="deal")
    return out


@dataclasses.dataclass(repr=False)
class Comparison:
    """Deals side by side.

    Attributes
    ----------
    results : the deal results (re-valued at ``discount_rate`` when one was given).
    discount_rate : the one rate all NPVs use, or None (each deal's own).
    metrics : one row per deal, catalogue metric names as columns.
    assumptions : every differing assumption, one column per deal.
    normalised : per-unit views, one row per deal.
    attribution : for each deal after the first, the metric change from the first deal by
        driver (:func:`attribution`), keyed by deal name.
    """

    results: list[DealResult]
    discount_rate: float | None
    metrics: pd.DataFrame
    assumptions: pd.DataFrame
    normalised: pd.DataFrame
    attribution: dict[str, pd.DataFrame]

    @property
    def names(self) -> list[str]:
        return list(self.metrics.index)

    def __repr__(self) -> str:
        irr = self.metrics["equity_irr_after_tax"]
        parts = ", ".join(f"{n}: {100 * v:.2f} %" for n, v in irr.items())
        rate = "" if self.discount_rate is None else f" at {100 * self.discount_rate:g} %"
        text = (f"Comparison({len(self.results)} deals{rate}, equity IRR after tax {parts}; "
                f"{len(self.assumptions)} differing assumptions)")
        return text if len(text) < 400 else text[:396] + "...)"

    def _repr_html_(self) -> str:
        names = [s.name for s in METRIC_SPECS if s.name in self.metrics.columns]
        table = self.metrics[names].T.to_html(float_format=lambda v: f"{v:,.4g}")
        diffs = self.assumptions.astype(str).to_html()
        return (f"<p><b>{html.escape(repr(self))}</b></p>{table}"
                f"<p>Assumptions that differ:</p>{diffs}")

    def summary_dict(self) -> dict[str, Any]:
        """JSON-safe: metrics, differing assumptions, normalised views and attribution."""
        def clean(frame: pd.DataFrame) -> Any:
            return json_safe(frame.to_dict(orient="index"))

        return {
            "discount_rate": self.discount_rate,
            "metrics": clean(self.metrics),
            "assumptions_differing": clean(self.assumptions),
            "normalised": clean(self.normalised),
            "attribution": {n: clean(f) for n, f in self.attribution.items()},
        }


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN/inf as None and tuples as lists."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def compare(
    deals: Sequence[DealResult | Deal | Any],
    *,
    discount_rate: float | None = None,
    mode: str = "screening",
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Compare deals: metrics, differing assumptions, normalised views, attribution.

    Parameters
    ----------
    deals : deal results, or deals (a :class:`~bessfin.deal.Deal`, a TOML path or a dict),
        run with ``mode``; at least two.
    discount_rate : value every deal at this one rate (same dispatch); None keeps each deal's.
    mode : lifetime dispatch mode for deals not yet run (``"screening"``, as ``bessfin
        compare`` and ``bessfin screen``; the table says which mode each deal used).
    progress : called with a status line before each deal is run.
    """
    if len(deals) < 2:
        raise ValueError("compare needs at least two deals")
    results = []
    for d in deals:
        if not isinstance(d, DealResult):
            deal = as_deal(d)
            if progress is not None:
                progress(f"{deal.name}: lifetime dispatch ({mode})")
            d = run_deal(deal, mode=mode)  # type: ignore[arg-type]
        results.append(d)
    if discount_rate is not None:
        results = [at_discount_rate(r, discount_rate) for r in results]
    names = unique_names(results)
    return Comparison(
        results=results,
        discount_rate=discount_rate,
        metrics=_metric_frame(results),
        assumptions=assumption_differences(results),
        normalised=normalised(results),
        attribution={n: attribution(results[0], r) for n, r in zip(names[1:], results[1:],
                                                                    strict=True)},
    )
