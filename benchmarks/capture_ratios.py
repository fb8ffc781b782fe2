"""Capture ratios of rolling-horizon and forecast-driven dispatch against perfect foresight.

Run: ``python benchmarks/capture_ratios.py [--capped]``; prints a Markdown table (recorded in
``docs/dispatch.md``): uncapped ancillary awards (the price-taker ceiling), or with
``--capped`` the market-depth award limits (the default of :func:`bessfin.dispatch`). Every
schedule is settled at actual day-ahead prices. The rolling day on actual prices is perfect
foresight over each 48 h window; the persistence forecasts decide day D and its lookahead on
prices published before D (see ``bessfin.dispatch.forecast``).
"""

from __future__ import annotations

import sys

from bessfin import Battery, Horizon, dispatch, load_prices

CASES = [("ercot", 2024, "HB_HOUSTON"), ("ercot", 2025, "HB_HOUSTON"), ("caiso", 2024, "TH_SP15"),
         ("caiso", 2025, "TH_SP15"), ("pjm", 2024, "WESTERN HUB")]
HORIZONS = {
    "rolling day + 24 h on actual prices (perfect foresight)": Horizon("day", 24),
    "persistence-day": Horizon("day", 24, "persistence-day"),
    "persistence-week": Horizon("day", 24, "persistence-week"),
}


def main(capped: bool = False) -> None:
    limits = "default" if capped else None
    battery = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
    head = "| ISO | year | node | perfect foresight [$/kW-yr] | " + " | ".join(
        f"{k} capture" for k in HORIZONS) + " |"
    print(head)
    print("|" + "---|" * (4 + len(HORIZONS)))
    for iso, year, node in CASES:
        prices = load_prices(iso, year, node)
        perfect = dispatch(prices, battery, as_limits=limits)
        ratios = []
        for h in HORIZONS.values():
            r = dispatch(prices, battery, horizon=h, compare_to_perfect=False,
                         as_limits=limits)
            ratios.append(r.total_revenue / perfect.total_revenue)
        per_kw = perfect.summary_dict()["revenue_usd_per_kw_yr"]
        print(f"| {iso.upper()} | {year} | {node} | {per_kw:.1f} | "
              + " | ".join(f"{x:.2%}" for x in ratios) + " |")


if __name__ == "__main__":
    main(capped="--capped" in sys.argv[1:])
