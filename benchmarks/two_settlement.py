"""Year-1 DA-only vs DA+RT revenue for each RT foresight, the DA leg as the example deal
decides it (examples/ercot_houston_2h_merchant.toml: 100 MW / 200 MWh, RTE 0.85, 2 cycles/day,
$5/MWh wear, persistence-day DA foresight, default AS award limits), on the shipped DA and RT
files. Usage: python benchmarks/two_settlement.py

Rows: ERCOT HB_HOUSTON 2024 and 2025, PJM WESTERN HUB 2024; RT foresight perfect (ceiling),
hour-ahead (base), persistence (naive); plus hour-ahead with RT prices := DA prices, the part of
the hour-ahead uplift that knowing the day's DA prices alone gives. Seconds: wall time of the
whole two-settlement (DA leg included; the DA leg alone is timed once per market).

``--subhourly``: also time hour-ahead on a synthetic 15-minute ERCOT 2024 RT year (each
shipped hourly price x (1 + 0.3 N(0, 1)) per quarter-hour, seed 0), decided per 15-minute
interval: the cost of deciding every interval on its own price only.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bessfin.deal import load_deal
from bessfin.deal.run import load_deal_prices, load_deal_rt_prices
from bessfin.dispatch import dispatch, two_settlement

DEAL = Path(__file__).resolve().parents[1] / "examples" / "ercot_houston_2h_merchant.toml"
MARKETS = (("ercot", "HB_HOUSTON", 2024), ("ercot", "HB_HOUSTON", 2025),
           ("pjm", "WESTERN HUB", 2024))
FORESIGHTS = ("perfect", "hour-ahead", "persistence")


def main() -> None:
    base = load_deal(DEAL)
    print("| market | year | RT foresight | DA-only [$/kW-yr] | DA+RT [$/kW-yr] | RT uplift "
          "[$/kW-yr] | uplift [%] | seconds (DA leg alone) |")
    print("|---|---|---|--:|--:|--:|--:|--:|")
    for iso, node, year in MARKETS:
        deal = base.model_copy(update={"market": base.market.model_copy(update={
            "iso": iso, "node": node, "price_years": (year,), "settlement": "da+rt"})})
        m = deal.market
        da = load_deal_prices(deal)[year]
        rt = load_deal_rt_prices(deal)[year]
        kw = {"horizon": m.horizon_spec(), "as_limits": m.as_limits_spec(),
              "products": None if m.products is None else list(m.products)}
        t0 = time.perf_counter()
        dispatch(da, deal.battery, compare_to_perfect=False, **kw)
        da_s = time.perf_counter() - t0
        rt_as_da = dataclasses.replace(rt, frame=rt.frame.assign(
            energy=da.frame["energy"].reindex(rt.frame.index.floor("h")).to_numpy()))
        cases = [(f, f, rt) for f in FORESIGHTS] + [("hour-ahead, RT := DA", "hour-ahead",
                                                     rt_as_da)]
        for label, foresight, rt_prices in cases:
            t0 = time.perf_counter()
            r = two_settlement(da, rt_prices, deal.battery, rt_foresight=foresight, **kw)
            s = r.summary_dict()
            assert s["award_shortfall_mwh"] == 0.0, s["notes"]
            print(f"| {iso.upper()} {node} | {year} | {label} | "
                  f"{s['da_only_usd_per_kw_year']:.2f} | {s['da_rt_usd_per_kw_year']:.2f} | "
                  f"{s['rt_uplift_usd_per_kw_year']:+.2f} | {s['rt_uplift_pct']:+.1f} | "
                  f"{time.perf_counter() - t0:.1f} ({da_s:.1f}) |", flush=True)
        if "--subhourly" in sys.argv and (iso, year) == ("ercot", 2024):
            hourly = rt.frame["energy"]
            idx = pd.date_range(hourly.index[0], periods=4 * len(hourly), freq="15min",
                                name=hourly.index.name)
            noise = 1 + 0.3 * np.random.default_rng(0).standard_normal(len(idx))
            rt15 = pd.DataFrame({"energy": np.repeat(hourly.to_numpy(), 4) * noise}, index=idx)
            t0 = time.perf_counter()
            r = two_settlement(da, rt15, deal.battery, rt_foresight="hour-ahead",
                               market=iso, **kw)
            s = r.summary_dict()
            print(f"| {iso.upper()} {node} | {year} | hour-ahead, synthetic 15-min RT | "
                  f"{s['da_only_usd_per_kw_year']:.2f} | {s['da_rt_usd_per_kw_year']:.2f} | "
                  f"{s['rt_uplift_usd_per_kw_year']:+.2f} | {s['rt_uplift_pct']:+.1f} | "
                  f"{time.perf_counter() - t0:.1f} ({da_s:.1f}) |", flush=True)


if __name__ == "__main__":
    main()
