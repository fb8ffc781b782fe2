"""Test the CSIS cell-level parity claim as quoted, and keep project-level MACR apart.

CSIS, Cai and Nakano, "A New Phase for the U.S. Battery Industry" (2026), says only: "recent
industry analysis indicates that even with an estimated 58 percent tariff in place as of January
2026, U.S.-produced LFP battery cells still require the 30 percent ITC to match Chinese imports
on cost." Section 1 tests exactly that at cell level, at the fact sheet's sourced cell prices
(section 4, with their vintage), with the ITC at nominal and at cash value
(``bessfin.studies.parity.cell_claim``). Sections 2-3 are a separate finding the quote does not
make: the DC block and the project (MACR decides the ITC from BOC 2026), for three supply cases.

Run::

    python examples/parity_csis.py                 # print the markdown tables
    python examples/parity_csis.py --write-doc     # refresh the block in docs/parity.md
    python examples/parity_csis.py --plot out.png  # LCOS parity curves of the ERCOT deal
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import pandas as pd

from bessfin.deal import Deal, deal_from_dict, dispatch_deal
from bessfin.studies import (
    breakeven_tariff,
    cash_factor,
    cell_claim_table,
    compare_options,
    parity_curves,
    plot_parity_curves,
)

ROOT = Path(__file__).resolve().parents[1]
DEAL_FILE = ROOT / "examples" / "ercot_houston_2h_merchant.toml"
DOC = ROOT / "docs" / "parity.md"
BEGIN, END = "<!-- parity_csis:begin -->", "<!-- parity_csis:end -->"

#: Total duty on Chinese 8507.60.0020 [fraction]: the actual 2026-01-01 stack and the ~58 %
#: (3.4 MFN + 25 §301 + 20 fentanyl + 10 reciprocal = 58.4 %, pf 3a and section 7).
STACKS: dict[str, float] = {"48.4% (actual Jan 2026)": 0.484, "58.4% (the ~58 %)": 0.584}
#: ITC tiers in increasing rate for a US-cell project (DC bonus earned: 100% US cells, pf 1.8).
TIERS: tuple[tuple[str, str], ...] = (("none", "0%"), ("base", "6%"), ("pwa", "30%"),
                                      ("pwa+dc", "40% (30+DC)"))
METRIC = "dc_block_net_of_itc_usd_per_kwh"

#: The three supply cases of the project-level finding: (label, option, line overrides).
#: Chinese cells in a US-assembled block: the korea-japan layout (cells + US integration) with
#: Chinese PFE cells at the 2024 LFP price (pf 4.6).
CASES: tuple[tuple[str, str, dict], ...] = (
    ("Chinese DC block (china-import)", "china-import", {}),
    ("Chinese cells, US-assembled block", "korea-japan",
     {"korea-japan": {"cells": {"origin": "china", "supplier_is_pfe": True,
                                "usd_per_kwh": 60.0}}}),
    ("US cells, US block (fully-domestic)", "fully-domestic", {}),
)


def csis_deal() -> Deal:
    """The ERCOT Houston example built in 2026: BOC 2026-03-01, cells entered 2026-01-15, on
    2024 prices only (one screening dispatch, a few seconds)."""
    data = tomllib.loads(DEAL_FILE.read_text())
    data["project"]["boc_date"] = "2026-03-01"
    data["supply"]["import_date"] = "2026-01-15"
    data["market"]["price_years"] = [2024]
    return deal_from_dict(data, str(DEAL_FILE))


def _money(x: float) -> str:
    return f"{x:.2f}"


def _md(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _verdict(first: str | None) -> str:
    if first is None:
        return "none of 0/6/30/40 % matches"
    return f"from {dict(TIERS)[first]}"


def claim_table() -> str:
    """Section 1: the quoted claim per sourced price pairing."""
    return _md(cell_claim_table())


def block_table(deal: Deal) -> str:
    """DC block level (CEA containers, pf 4.11): Chinese block vs US-made block."""
    rows = []
    for stack_label, stack in STACKS.items():
        t = compare_options(deal, None, ["china-import", "fully-domestic"],
                            itc_tiers=[k for k, _ in TIERS], import_duty_rate=stack)
        cn = t.loc[("china-import", "none"), "landed_usd_per_kwh"]
        us = {k: t.loc[("fully-domestic", k), METRIC] for k, _ in TIERS}
        first = next((k for k, _ in TIERS if us[k] <= cn + 1e-9), None)
        rows.append({"CN stack": stack_label, "CN block landed": _money(cn),
                     "US block net, 0%": _money(us["none"]), "6%": _money(us["base"]),
                     "30%": _money(us["pwa"]), "40%": _money(us["pwa+dc"]),
                     "US block matches": _verdict(first)})
    be = breakeven_tariff(deal, None, "china-import", "fully-domestic", metric=METRIC,
                          itc_tier="none")
    rows.append({"CN stack": f"parity duty, no ITC: {be.value:.1%}", "CN block landed": "",
                 "US block net, 0%": "", "6%": "", "30%": "", "40%": "", "US block matches": ""})
    return _md(pd.DataFrame(rows))


def project_table(deal: Deal, lifetime) -> str:
    """Section 3: three supply cases, 30 % tier, the deal's own tariff scenario (BOC 2026)."""
    rows = []
    for label, option, ov in CASES:
        r = compare_options(deal, lifetime, [option], itc_tiers=["pwa"],
                            line_overrides=ov or None).iloc[0]
        rows.append({"case": label,
                     "MACR": f"{r['macr']:.0%} vs {r['macr_threshold']:.0%}",
                     "ITC": f"{r['itc_rate']:.0%}",
                     "net DC block $/kWh": _money(r["net_dc_block_usd_per_kwh"]),
                     "LCOS with credits $/MWh": f"{r['lcos_with_credits_usd_per_mwh']:.1f}",
                     "project IRR after tax": f"{r['project_irr_after_tax']:.2%}"})
    out = [_md(pd.DataFrame(rows)), ""]
    for metric in ("lcos_with_credits_usd_per_mwh", "project_irr_after_tax"):
        for tier, _ in TIERS[:3]:
            be = breakeven_tariff(deal, lifetime, "china-import", "fully-domestic",
                                  metric=metric, itc_tier=tier)
            out.append(f"- break-even CN duty, {metric}, US tier `{tier}`: {be.message}")
    return "\n".join(out)


def render(lifetime=None) -> str:
    """All tables as markdown (dispatches the ERCOT deal in screening mode if not given)."""
    deal = csis_deal()
    if lifetime is None:
        lifetime = dispatch_deal(deal, mode="screening")
    return "\n".join([
        f"#### 1. The claim at cell level ($/kWh): CN cell FOB x 1.58 vs US cell - 30 % ITC "
        f"(cash value = nominal x {cash_factor():.3f})", "",
        claim_table(), "",
        "#### 2. Separate finding, DC block level, CEA containers (pf 4.11): "
        "CN 196.59 ex-duty vs US 256", "",
        block_table(deal), "",
        "#### 3. Separate finding, project level: three supply cases, ERCOT Houston 2 h, "
        "BOC 2026-03-01, 2024 prices, screening, 30 % tier", "",
        project_table(deal, lifetime),
    ])


def write_doc(text: str, path: Path = DOC) -> None:
    """Replace the generated block of docs/parity.md with ``text``."""
    doc = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise ValueError(f"{path} has no {BEGIN} ... {END} block")
    path.write_text(pattern.sub(lambda _m: f"{BEGIN}\n{text}\n{END}", doc))


def doc_block(path: Path = DOC) -> str:
    """The generated block currently in docs/parity.md."""
    doc = path.read_text()
    return doc.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-doc", action="store_true", help="refresh docs/parity.md")
    ap.add_argument("--plot", type=Path, help="write LCOS parity curves to this PNG/SVG")
    args = ap.parse_args()
    deal = csis_deal()
    lifetime = dispatch_deal(deal, mode="screening")
    text = render(lifetime)
    print(text)
    if args.write_doc:
        write_doc(text)
    if args.plot:
        curves = parity_curves(deal, lifetime, ["china-import", "korea-japan", "fully-domestic"],
                               metric="lcos_with_credits_usd_per_mwh",
                               itc_tiers=["none", "base", "pwa"])
        plot_parity_curves(curves, args.plot, marks={"48.4%": 0.484, "58.4%": 0.584},
                           title="ERCOT Houston 2h, BOC 2026: LCOS with credits vs CN duty")


if __name__ == "__main__":
    main()
