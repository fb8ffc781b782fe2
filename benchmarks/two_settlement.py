"""DA-only vs DA+RT revenue: ERCOT 2024 HB_HOUSTON (shipped DA and RT files), 100 MW / 200 MWh,
2 cycles/day, $5/MWh wear, default AS award limits. Usage: python benchmarks/two_settlement.py
"""

from __future__ import annotations

import time

from bessfin.dispatch import Battery, Horizon, two_settlement
from bessfin.io import load_prices

BATTERY = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
CASES = (
    ("perfect", "perfect", Horizon()),
    ("perfect", "persistence", Horizon()),
    ("persistence-day", "persistence", Horizon("day", 24, "persistence-day")),
)


def main() -> None:
    da = load_prices("ercot", 2024, "HB_HOUSTON")
    rt = load_prices("ercot", 2024, "HB_HOUSTON", market="rtm")
    print("| DA foresight | RT foresight | DA-only [$/kW-yr] | DA+RT [$/kW-yr] | RT uplift "
          "[$/kW-yr] | uplift [%] | seconds |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for da_name, rt_name, horizon in CASES:
        t0 = time.perf_counter()
        r = two_settlement(da, rt, BATTERY, horizon=horizon, rt_foresight=rt_name)
        s = r.summary_dict()
        print(f"| {da_name} | {rt_name} | {s['da_only_usd_per_kw_year']:.1f} | "
              f"{s['da_rt_usd_per_kw_year']:.1f} | {s['rt_uplift_usd_per_kw_year']:+.1f} | "
              f"{s['rt_uplift_pct']:+.1f} | {time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
