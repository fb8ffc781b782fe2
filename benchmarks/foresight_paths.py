"""A deal under each foresight and price path: year-1 and life merchant revenue, IRRs.

Run: ``python benchmarks/foresight_paths.py [deal.toml] [--uncapped]``; prints a Markdown table
(recorded in ``docs/lifetime.md``). Full-mode dispatch of every operating year.
"""

from __future__ import annotations

import sys

from bessfin.deal import load_deal, run_deal

CASES = [("perfect", "cycle"), ("perfect", "mean"), ("persistence-day", "cycle"),
         ("persistence-day", "mean")]


def main(path: str, uncapped: bool) -> None:
    base = load_deal(path)
    kw = base.battery.power_mw * 1e3
    print("| foresight | price path | year 1 [$M] | year 1 [$/kW-yr] | life [$M] | equity IRR "
          "| project IRR after tax |")
    print("|---|---|---|---|---|---|---|")
    cache: dict = {}
    for foresight, price_path in CASES:
        update = {"foresight": foresight, "price_path": price_path}
        if uncapped:
            update["as_limits"] = "none"
        deal = base.model_copy(update={"market": base.market.model_copy(update=update)})
        r = run_deal(deal, mode="full", cache=cache)
        merchant = r.lifetime.annual[r.lifetime.streams].sum(axis=1)
        m = r.pro_forma.metrics
        print(f"| {foresight} | {price_path} | {merchant.loc[1] / 1e6:.2f} | "
              f"{merchant.loc[1] / kw:.1f} | {merchant.sum() / 1e6:.1f} | "
              f"{m.equity_irr_after_tax:.1%} | {m.project_irr_after_tax:.1%} |", flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(args[0] if args else "examples/ercot_houston_2h_merchant.toml",
         uncapped="--uncapped" in sys.argv[1:])
