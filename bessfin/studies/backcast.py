"""Fleet backcast: a fleet-like battery on every shipped price year that has a published
fleet-revenue benchmark (docs/dispatch.md#fleet-backcast).

The battery and its settings are the sourced defaults, never fitted to the benchmark:
100 MW, :data:`DURATION_H` hours (ERCOT's fleet is mostly 1-2 h, CAISO's mostly 4 h), round
trip 0.85 (NREL ATB, policy_facts 4.21), a 2 cycles/day warranty limit, no wear cost, the
battery's other defaults; the node in :data:`FLEET_NODES`. Two rungs per year:

* ``ceiling``: perfect foresight, no AS award limits;
* ``base``: persistence-day forecast (day D decided on D-1's published prices, 24 h
  lookahead), AS award limits at the market-depth defaults: the deal base case.

Revenue is the schedule's gross merchant revenue (every stream, no wear cost), annualised by
8760 / hours dispatched (CAISO 2023 lacks 1-11 January: those days are dropped).
"""

from __future__ import annotations

from bessfin.dispatch import Battery, DispatchResult, dispatch, named_horizon
from bessfin.io import available, load_prices
from bessfin.markets import fleet_revenue

__all__ = ["BACKCAST_KEYS", "DURATION_H", "FLEET_NODES", "backcast", "fleet_battery"]

#: Storage duration of the fleet-like battery per ISO [h].
DURATION_H = {"ercot": 2.0, "caiso": 4.0}
#: Node standing for the fleet: ERCOT's hub average (the fleet is spread over the hubs),
#: CAISO's SP15 trading hub (most of the CAISO battery fleet is in southern California).
FLEET_NODES = {"ercot": "HB_HUBAVG", "caiso": "TH_SP15"}
#: Power of the fleet-like battery [MW] (revenue per kW does not depend on it: price-taker).
POWER_MW = 100.0
#: Keys of every backcast record, in order.
BACKCAST_KEYS = ("iso", "year", "duration_h", "fleet_usd_per_kw_yr", "ceiling_usd_per_kw_yr",
                 "base_usd_per_kw_yr", "base_over_fleet")
#: Fast mode dispatches one week per year (tests, smoke runs): 2 weeks of 1 July.
FAST_WINDOW = ("07-01", "07-15")


def fleet_battery(iso: str) -> Battery:
    """The fleet-like battery of ``iso`` (module doc)."""
    h = DURATION_H[iso]
    eta = 0.85 ** 0.5
    return Battery(power_mw=POWER_MW, energy_mwh=POWER_MW * h, charge_efficiency=eta,
                   discharge_efficiency=eta, max_cycles_per_day=2.0, degradation_cost=0.0)


def _usd_per_kw_yr(r: DispatchResult) -> float:
    gross = float(r.revenue_by_stream.drop("degradation", errors="ignore").sum())
    return gross / (r.battery.power_mw * 1e3) * 8760.0 / len(r.schedule)


def backcast(*, fast: bool = False, isos: tuple[str, ...] | None = None) -> list[dict]:
    """One record per ISO and shipped day-ahead year with a full-year fleet benchmark
    (keys :data:`BACKCAST_KEYS`, plus ``node`` and ``benchmark_source``), sorted by ISO and
    year. ``fast``: dispatch two weeks of July only (the arithmetic, not the numbers)."""
    out = []
    shipped = {(i, m, y, n.upper()) for i, m, y, n in available()}
    for bench in sorted(fleet_revenue(), key=lambda r: (r["iso"], r["year"])):
        iso, year = bench["iso"], bench["year"]
        if iso not in DURATION_H or (isos is not None and iso not in isos):
            continue
        if (iso, "dam", year, FLEET_NODES[iso]) not in shipped:
            continue
        prices = load_prices(iso, year, FLEET_NODES[iso], on_missing="drop-days")
        battery = fleet_battery(iso)
        window = {}
        if fast:
            window = {"start": f"{year}-{FAST_WINDOW[0]}", "end": f"{year}-{FAST_WINDOW[1]}"}
        ceiling = dispatch(prices, battery, as_limits=None, compare_to_perfect=False, **window)
        base = dispatch(prices, battery, horizon=named_horizon("perfect", "persistence-day"),
                        compare_to_perfect=False, **window)
        c, b, f = _usd_per_kw_yr(ceiling), _usd_per_kw_yr(base), bench["usd_per_kw_yr"]
        out.append({"iso": iso, "year": year, "duration_h": battery.energy_mwh / POWER_MW,
                    "fleet_usd_per_kw_yr": f, "ceiling_usd_per_kw_yr": round(c, 3),
                    "base_usd_per_kw_yr": round(b, 3), "base_over_fleet": round(b, 3) / f,
                    "node": prices.node, "benchmark_source": f"{bench['source']} "
                    f"({bench['fact']}, {bench['status']})"})
    return out

