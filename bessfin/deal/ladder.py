"""The revenue ladder of a deal: how far its base case sits below the price-taker ceiling.

Rungs, top to bottom (docs/dispatch.md#revenue-ladder):

1. ``ceiling``: perfect foresight, no ancillary award limits (the LP's upper bound).
2. ``capped``: perfect foresight with the deal's AS award limits (market depth).
3. ``base``: the deal as run (its foresight, its limits): the base case the pro forma uses.

Each rung is merchant revenue (every dispatch stream, net of the wear cost) for operating
year 1 and for the life, in $ and $/kW-yr, with its capture ratio = rung / ceiling. The base
rung is the deal's own lifetime dispatch (no re-solve); the upper rungs re-dispatch the deal's
battery on the same prices in **screening mode** (docs/lifetime.md): year 1 is then an exact
full-year dispatch (the capacity-factor-1 anchor), the life an interpolation (error under
1 % per year). Ceiling and capped share one built model per price year (limits are bounds).

Extension point: a rung is a :class:`RungSpec` (name, label, market-section overrides);
:data:`RUNGS` lists the upper rungs in order, so a new settlement (e.g. day-ahead + real-time)
adds a spec without touching the arithmetic.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bessfin.dispatch import LifetimeResult
from bessfin.dispatch.lifetime import drop_models, model_keys
from bessfin.io import PriceData

__all__ = ["AS_HAIRCUT", "RUNGS", "Ladder", "Rung", "RungSpec", "as_haircut",
           "ladder_from_lifetimes",
           "region_summed_as", "revenue_ladder"]


@dataclasses.dataclass(frozen=True)
class RungSpec:
    """An upper rung: the deal's market section with ``market`` keys replaced."""

    name: str
    label: str
    market: dict[str, Any]


#: Upper rungs, from the top; the deal's own run is the last rung (``base``).
RUNGS: tuple[RungSpec, ...] = (
    RungSpec("ceiling", "perfect foresight, no AS limits (ceiling)",
             {"foresight": "perfect", "horizon": "perfect", "forecast_file": None,
              "as_limits": "none"}),
    RungSpec("capped", "perfect foresight, AS market depth",
             {"foresight": "perfect", "horizon": "perfect", "forecast_file": None}),
)


@dataclasses.dataclass(frozen=True)
class Rung:
    """One rung: merchant revenue [$] of year 1 and of the life, per kW and vs the ceiling."""

    name: str
    label: str
    year1_usd: float
    life_usd: float
    year1_usd_per_kw_yr: float
    life_usd_per_kw_yr: float  # mean over operating years
    year1_capture: float  # year1_usd / ceiling year1_usd
    life_capture: float
    life_mode: str  # dispatch mode the life figure comes from


@dataclasses.dataclass(frozen=True)
class Ladder:
    """Rungs from the ceiling down to the base case."""

    rungs: tuple[Rung, ...]
    power_mw: float
    note: str

    def rung(self, name: str) -> Rung:
        return next(r for r in self.rungs if r.name == name)

    def to_dict(self) -> dict:
        return {"rungs": [dataclasses.asdict(r) for r in self.rungs],
                "power_mw": self.power_mw, "note": self.note}


def _merchant(lifetime: LifetimeResult) -> tuple[float, float, int]:
    """(year-1 revenue, life revenue, operating years) [$], net of the wear cost."""
    per_year = lifetime.annual[lifetime.streams].sum(axis=1)
    return float(per_year.loc[1]), float(per_year.sum()), len(per_year)


def ladder_from_lifetimes(
    lifetimes: list[tuple[str, str, LifetimeResult]], power_mw: float, note: str = ""
) -> Ladder:
    """Ladder from (name, label, lifetime) rungs, the ceiling first: capture = rung / ceiling.

    Pure arithmetic, so any rung (a new settlement) plugs in."""
    kw = power_mw * 1e3
    top1, top_life, _ = _merchant(lifetimes[0][2])
    rungs = []
    for name, label, lt in lifetimes:
        y1, life, n = _merchant(lt)
        rungs.append(Rung(
            name=name, label=label, year1_usd=y1, life_usd=life,
            year1_usd_per_kw_yr=y1 / kw, life_usd_per_kw_yr=life / n / kw,
            year1_capture=y1 / top1 if top1 > 0 else float("nan"),
            life_capture=life / top_life if top_life > 0 else float("nan"),
            life_mode=lt.mode))
    return Ladder(rungs=tuple(rungs), power_mw=power_mw, note=note)


def revenue_ladder(
    result: Any,
    *,
    prices: dict[int, PriceData] | None = None,
    cache: dict | None = None,
    rungs: tuple[RungSpec, ...] = RUNGS,
) -> Ladder:
    """The revenue ladder of a :class:`~bessfin.deal.DealResult` (see module doc).

    ``prices``: the deal's validated prices (loaded again if omitted); ``cache``: the job's
    model cache (``bessfin run`` passes the life's): the rungs re-use its models where their
    LP structure matches (a perfect-foresight deal's own models) and share theirs across
    rungs; the models only the rungs needed are dropped from it afterwards (year-long LPs,
    ~120 MB each on the ERCOT example; no later step dispatches their horizon), their
    dispatched years stay memoised."""
    from bessfin.deal.run import dispatch_deal, load_deal_prices

    deal = result.deal
    prices = prices if prices is not None else load_deal_prices(deal)
    cache = {} if cache is None else cache
    had = model_keys(cache)
    lifetimes = []
    for spec in rungs:
        market = deal.market.model_copy(update=spec.market)
        variant = deal.model_copy(update={"market": market})
        lt = dispatch_deal(variant, prices=prices, mode="screening", cache=cache)
        lifetimes.append((spec.name, spec.label, lt))
    drop_models(cache, had)
    base_label = (f"base case: {deal.market.foresight} foresight, "
                  f"{'no AS limits' if deal.market.as_limits == 'none' else 'AS market depth'}")
    lifetimes.append(("base", base_label, result.lifetime))
    note = ("year 1: full-year dispatch of every rung; life: upper rungs in screening mode "
            f"(interpolated), the base case in {result.lifetime.mode} mode; merchant revenue "
            "net of the wear cost, undiscounted, with the deal's escalation")
    return ladder_from_lifetimes(lifetimes, deal.battery.power_mw, note)


#: AS price haircut shown where shipped AS prices are region sums (an upper bound).
AS_HAIRCUT = 0.10


def region_summed_as(deal: Any) -> bool:
    """True when the deal's AS prices are the shipped CAISO region sums (an upper bound on
    the price a resource in one region is paid; market_data/SOURCES.md)."""
    from bessfin.markets import get_market

    if deal.market.price_file is not None:
        return False
    market = get_market(deal.market.iso)
    return any(p.price_column.endswith("_regionsum") for p in market.products)


def _is_ancillary(stream: str) -> bool:
    return stream not in ("energy", "degradation") and not stream.endswith("_deployed_energy")


def as_haircut(lifetime: LifetimeResult, power_mw: float, cut: float = AS_HAIRCUT) -> dict:
    """Merchant revenue with ancillary capacity (and mileage) revenue cut by ``cut``, the
    schedule held fixed: a lower bound on the re-optimised revenue at AS prices x (1 - cut),
    since the LP could only do better."""
    annual = lifetime.annual[lifetime.streams]
    factors = [1.0 - cut if _is_ancillary(s) else 1.0 for s in lifetime.streams]
    per_year = (annual * factors).sum(axis=1)
    kw = power_mw * 1e3
    return {"as_price_cut": cut, "year1_usd": float(per_year.loc[1]),
            "year1_usd_per_kw_yr": float(per_year.loc[1]) / kw,
            "life_usd_per_kw_yr": float(per_year.mean()) / kw,
            "basis": "ancillary capacity and mileage revenue x (1 - cut), schedule fixed "
                     "(a lower bound on re-dispatch at the lower prices)"}
