"""DA-only vs DA+RT over the project life: examples/ercot_houston_2h_dart.toml (ERCOT
HB_HOUSTON 2024-25, shipped DA and RT files, 20 years), with the RT re-dispatch on the previous
day's RT prices (persistence, the example's base) and on known RT prices (perfect, the
ceiling); full mode, plus the screening-mode error of the DA+RT life.

Usage: python benchmarks/two_settlement_life.py [--no-screening]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from bessfin.deal import attach_ladder, load_deal, run_deal

DEAL = Path(__file__).resolve().parents[1] / "examples" / "ercot_houston_2h_dart.toml"


def _merchant(result) -> np.ndarray:
    lt = result.lifetime
    return lt.annual[lt.streams].sum(axis=1).to_numpy()


def main() -> None:
    base = load_deal(DEAL)
    print("| RT re-dispatch | year 1 DA-only [$M] | year 1 DA+RT [$M] | year 1 uplift | "
          "life DA-only [$M] | life DA+RT [$M] | life uplift | equity IRR DA+RT | "
          "seconds (life + ladder) |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    full = {}
    for rt in ("persistence", "perfect"):
        deal = base.model_copy(update={"market": base.market.model_copy(
            update={"rt_foresight": rt})})
        t0 = time.perf_counter()
        r = attach_ladder(run_deal(deal, mode="full"))
        seconds = time.perf_counter() - t0
        full[rt] = r
        lad = r.ladder
        da, two, up = lad.rung("da_only"), lad.rung("base"), lad.uplift("rt_uplift")
        irr = r.pro_forma.metrics.equity_irr_after_tax
        print(f"| {rt} | {da.year1_usd / 1e6:.2f} | {two.year1_usd / 1e6:.2f} | "
              f"{up.year1_pct:+.1f} % | {da.life_usd / 1e6:.1f} | {two.life_usd / 1e6:.1f} | "
              f"{up.life_pct:+.1f} % | {100 * irr:.1f} % | {seconds:.0f} |", flush=True)
    if "--no-screening" in sys.argv:
        return
    print("\n| RT re-dispatch | screening vs full: worst year | life total | seconds |")
    print("|---|--:|--:|--:|")
    for rt, r in full.items():
        t0 = time.perf_counter()
        s = run_deal(r.deal, mode="screening")
        seconds = time.perf_counter() - t0
        a, b = _merchant(r), _merchant(s)
        err = (b - a) / np.abs(a)
        worst = err[np.argmax(np.abs(err))]
        print(f"| {rt} | {100 * worst:+.2f} % | {100 * (b.sum() / a.sum() - 1):+.2f} % | "
              f"{seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
