"""The revenue ladder of a deal: how far its base case sits below the price-taker ceiling.

Rungs, top to bottom (docs/dispatch.md#revenue-ladder):

1. ``ceiling``: perfect foresight, no ancillary award limits, settled day-ahead: each day
   decided on actual prices seeing that day and the next (``perfect-rolling-day``), which on
   the shipped data equals the year-long LP's optimum (docs/dispatch.md#revenue-ladder) and
   re-uses the life's window models.
2. ``capped``: the same with the deal's AS award limits (market depth).
3. ``da_only`` (deals with ``settlement = "da+rt"`` only): the deal as run but settled
   day-ahead only, in the deal's own dispatch mode.
4. ``base``: the deal as run (its foresight, its limits, its settlement): the base case the
   pro forma uses.

A rung may name an **uplift**: base minus that rung, in $ and % of the rung (``rt_uplift`` =
DA+RT - DA-only for a two-settlement deal).

Each rung is merchant revenue (every dispatch stream, net of the wear cost) for operating
year 1 and for the life, in $ and $/kW-yr, with its capture ratio = rung / ceiling. The base
rung is the deal's own lifetime dispatch (no re-solve); the upper rungs re-dispatch the deal's
battery on the same prices in **screening mode** (docs/lifetime.md): year 1 is then an exact
full-year dispatch (the capacity-factor-1 anchor), the life an interpolation (error under
1 % per year). Ceiling and capped share their built models (limits are bounds).

Extension point: a rung is a :class:`RungSpec` (name, label, market-section overrides, the
settlements it applies to, its dispatch mode, an optional uplift); :data:`RUNGS` lists the
upper rungs in order, so a new settlement adds a spec without touching the arithmetic (the
day-ahead-only rung of day-ahead + real-time deals is one).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from bessfin.dispatch import LifetimeResult
from bessfin.dispatch.lifetime import drop_models, model_keys
from bessfin.dispatch.results import is_ancillary_stream
from bessfin.io import PriceData

__all__ = ["AS_HAIRCUT", "RUNGS", "Ladder", "Rung", "RungSpec", "Uplift", "as_haircut",
           "ladder_from_lifetimes",
           "region_summed_as", "revenue_ladder"]


@dataclasses.dataclass(frozen=True)
class RungSpec:
    """An upper rung: the deal's market section with ``market`` keys replaced.

    ``settlements``: the deals' ``[market] settlement`` values that show the rung.
    ``mode``: ``"screening"`` (a cheap upper bound) or ``"deal"`` (the deal's own dispatch
    mode, for a rung compared with the base case year by year). ``uplift``: when set, the
    ladder reports base minus this rung under that name (``uplift_label`` describes it)."""

    name: str
    label: str
    market: dict[str, Any]
    settlements: tuple[str, ...] = ("da", "da+rt")
    mode: Literal["screening", "deal"] = "screening"
    uplift: str | None = None
    uplift_label: str = ""


#: Market keys that make a rung settle day-ahead only.
_DA_ONLY = {"settlement": "da", "rt_price_file": None}

#: Upper rungs, from the top; the deal's own run is the last rung (``base``).
RUNGS: tuple[RungSpec, ...] = (
    RungSpec("ceiling", "perfect foresight (each day seeing the next), no AS limits (ceiling)",
             {"foresight": "perfect", "horizon": "perfect-rolling-day", "forecast_file": None,
              "as_limits": "none", **_DA_ONLY}),
    RungSpec("capped", "perfect foresight (each day seeing the next), AS market depth",
             {"foresight": "perfect", "horizon": "perfect-rolling-day", "forecast_file": None,
              **_DA_ONLY}),
    RungSpec("da_only", "base case settled day-ahead only (DA-only)", _DA_ONLY,
             settlements=("da+rt",), mode="deal", uplift="rt_uplift",
             uplift_label="RT uplift: DA+RT base case minus DA-only"),
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
class Uplift:
    """Base rung minus rung ``over``: year 1 and life [$], per kW, and in % of ``over``."""

    name: str
    label: str
    over: str
    year1_usd: float
    life_usd: float
    year1_usd_per_kw_yr: float
    life_usd_per_kw_yr: float  # mean over operating years
    year1_pct: float  # 100 x uplift / rung ``over`` (NaN when that rung is <= 0)
    life_pct: float


@dataclasses.dataclass(frozen=True)
class Ladder:
    """Rungs from the ceiling down to the base case, and the uplifts rungs name."""

    rungs: tuple[Rung, ...]
    power_mw: float
    note: str
    uplifts: tuple[Uplift, ...] = ()

    def rung(self, name: str) -> Rung:
        return next(r for r in self.rungs if r.name == name)

    def uplift(self, name: str) -> Uplift:
        return next(u for u in self.uplifts if u.name == name)

    def to_dict(self) -> dict:
        out = {"rungs": [dataclasses.asdict(r) for r in self.rungs],
               "power_mw": self.power_mw, "note": self.note}
        if self.uplifts:
            out["uplifts"] = {u.name: dataclasses.asdict(u) for u in self.uplifts}
        return out


def _merchant(lifetime: LifetimeResult) -> tuple[float, float, int]:
    """(year-1 revenue, life revenue, operating years) [$], net of the wear cost."""
    per_year = lifetime.annual[lifetime.streams].sum(axis=1)
    return float(per_year.loc[1]), float(per_year.sum()), len(per_year)


def ladder_from_lifetimes(
    lifetimes: list[tuple[str, str, LifetimeResult]], power_mw: float, note: str = "",
    uplifts: tuple[tuple[str, str, str], ...] = (),
) -> Ladder:
    """Ladder from (name, label, lifetime) rungs, the ceiling first and the base case
    (``base``) last: capture = rung / ceiling; each (name, label, rung) of ``uplifts`` is
    base minus that rung.

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
    base = rungs[-1]
    ups = []
    for name, label, over in uplifts:
        r = next(x for x in rungs if x.name == over)
        y1, life = base.year1_usd - r.year1_usd, base.life_usd - r.life_usd
        ups.append(Uplift(
            name=name, label=label, over=over, year1_usd=y1, life_usd=life,
            year1_usd_per_kw_yr=base.year1_usd_per_kw_yr - r.year1_usd_per_kw_yr,
            life_usd_per_kw_yr=base.life_usd_per_kw_yr - r.life_usd_per_kw_yr,
            year1_pct=100.0 * y1 / r.year1_usd if r.year1_usd > 0 else float("nan"),
            life_pct=100.0 * life / r.life_usd if r.life_usd > 0 else float("nan")))
    return Ladder(rungs=tuple(rungs), power_mw=power_mw, note=note, uplifts=tuple(ups))


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
    LP structure matches (the daily windows of a persistence-day deal) and share theirs
    across rungs; models only the rungs needed are dropped from it afterwards (no later step
    dispatches their horizon), their dispatched years stay memoised."""
    from bessfin.deal.run import dispatch_deal, load_deal_prices

    deal = result.deal
    m = deal.market
    prices = prices if prices is not None else load_deal_prices(deal)
    cache = {} if cache is None else cache
    had = model_keys(cache)
    base_mode = result.lifetime.mode
    lifetimes, uplifts, screened = [], [], []
    for spec in rungs:
        if m.settlement not in spec.settlements:
            continue
        market = m.model_copy(update=spec.market)
        variant = deal.model_copy(update={"market": market})
        mode = base_mode if spec.mode == "deal" else "screening"
        lt = dispatch_deal(variant, prices=prices, mode=mode, cache=cache)
        lifetimes.append((spec.name, spec.label, lt))
        if mode == "screening":
            screened.append(spec.name)
        if spec.uplift is not None:
            uplifts.append((spec.uplift, spec.uplift_label, spec.name))
    drop_models(cache, had)
    base_label = (f"base case: {m.foresight} foresight, "
                  f"{'no AS limits' if m.as_limits == 'none' else 'AS market depth'}")
    if m.settlement == "da+rt":
        base_label += f", DA+RT settlement (RT {m.rt_foresight} foresight)"
    lifetimes.append(("base", base_label, result.lifetime))
    if m.settlement == "da+rt":
        modes = ("every rung in screening mode (interpolated)" if base_mode == "screening"
                 else f"{', '.join(screened)} in screening mode (interpolated), the others "
                 f"in {base_mode} mode")
        note = (f"year 1: full-year dispatch of every rung; life: {modes}; ceiling and "
                "capped settle day-ahead only; merchant revenue net of the wear cost, "
                "undiscounted, with the deal's escalation")
    else:
        note = ("year 1: full-year dispatch of every rung; life: upper rungs in screening "
                f"mode (interpolated), the base case in {base_mode} mode; merchant revenue "
                "net of the wear cost, undiscounted, with the deal's escalation")
    return ladder_from_lifetimes(lifetimes, deal.battery.power_mw, note, tuple(uplifts))


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


def as_haircut(lifetime: LifetimeResult, power_mw: float, cut: float = AS_HAIRCUT) -> dict:
    """Merchant revenue with ancillary capacity (and mileage) revenue cut by ``cut``, the
    schedule held fixed: a lower bound on the re-optimised revenue at AS prices x (1 - cut),
    since the LP could only do better."""
    annual = lifetime.annual[lifetime.streams]
    factors = [1.0 - cut if is_ancillary_stream(s) else 1.0 for s in lifetime.streams]
    per_year = (annual * factors).sum(axis=1)
    kw = power_mw * 1e3
    return {"as_price_cut": cut, "year1_usd": float(per_year.loc[1]),
            "year1_usd_per_kw_yr": float(per_year.loc[1]) / kw,
            "life_usd_per_kw_yr": float(per_year.mean()) / kw,
            "basis": "ancillary capacity and mileage revenue x (1 - cut), schedule fixed "
                     "(a lower bound on re-dispatch at the lower prices)"}
