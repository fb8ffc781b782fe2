"""Reproduce, and stress, the CSIS parity claim with ``bessfin.studies.parity``.

CSIS, "A New Phase for the U.S. Battery Industry" (2026), policy_facts.md row 4.13 (FROM-CSIS):
"Even with ~58% tariff (Jan 2026), US LFP cells still need the 30% ITC to match Chinese imports."
The ~58% is 3.4 MFN + 25 §301 + 20 fentanyl + 10 reciprocal = 58.4%; the actual stack on
2026-01-01 was 48.4% (fentanyl cut to 10% on 2025-11-10; policy_facts.md 3a and section 7).

Reading used here: the project is built in 2026 (BOC 2026-03-01), so a project on Chinese
(PFE) cells fails the 55% MACR test and gets NO ITC (policy_facts.md 1.15-1.16); the US-cell
project gets the tier shown. "Match on cost" = US price x (1 - ITC rate) <= Chinese landed price.

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
    CustomOption,
    breakeven_cell_price,
    breakeven_tariff,
    compare_options,
    parity_curves,
    plot_parity_curves,
)

ROOT = Path(__file__).resolve().parents[1]
DEAL_FILE = ROOT / "examples" / "ercot_houston_2h_merchant.toml"
DOC = ROOT / "docs" / "parity.md"
BEGIN, END = "<!-- parity_csis:begin -->", "<!-- parity_csis:end -->"

#: Total duty on Chinese 8507.60.0020 [fraction]: the actual 2026-01-01 stack and CSIS's.
STACKS: dict[str, float] = {"48.4% (actual Jan 2026)": 0.484, "58.4% (CSIS assumption)": 0.584}
#: Chinese LFP cell, 2024 average "just under $60/kWh" (pf 4.6, VERIFIED).
CN_CELL_USD_PER_KWH = 60.0
#: US cell cases: (label, $/kWh, share of the $35/kWh cell 45X passed through).
US_CELLS: tuple[tuple[str, float, float], ...] = (
    ("+56% vs CN: 60 x 1.56 (pf 4.6 x 4.9)", 93.60, 0.0),
    ("Benchmark US average (pf 4.10)", 111.18, 0.0),
    ("'>$130' under tariffs (pf 4.8)", 130.0, 0.0),
    ("+56%, 45X $35 passed through (pf 2.1)", 93.60, 1.0),
)
#: ITC tiers in increasing rate for a US-cell project (DC bonus earned: 100% US cells, pf 1.8).
TIERS: tuple[tuple[str, str], ...] = (("none", "0%"), ("base", "6%"), ("pwa", "30%"),
                                      ("pwa+dc", "40% (30+DC)"))
METRIC = "dc_block_net_of_itc_usd_per_kwh"

CN_CELL = CustomOption("cn-cell", ({
    "name": "CN LFP cell", "item": "battery", "origin": "china",
    "usd_per_kwh": CN_CELL_USD_PER_KWH, "freight_pct": 0.0, "supplier_is_pfe": True,
    "us_manufactured": False, "x45": [], "status": "VERIFIED", "source": "pf 4.6",
},), "Chinese LFP cells, PFE supplier")
US_CELL = CustomOption("us-cell", ({
    "name": "US LFP cell", "item": "battery", "origin": "us", "usd_per_kwh": 93.60,
    "freight_pct": 0.0, "supplier_is_pfe": False, "us_manufactured": True, "x45": ["cell"],
    "status": "DERIVED", "source": "pf 4.6 x 4.9",
},), "US-made LFP cells, non-PFE maker")


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
    if first == "pwa":
        return "**holds**: 6% is not enough, 30% is"
    if first in ("none", "base"):
        return f"breaks: {dict(TIERS)[first]} ITC already matches"
    if first == "pwa+dc":
        return "breaks: needs more than 30% (the DC bonus)"
    return "breaks: no tier matches"


def cell_table(deal: Deal) -> str:
    """Cell level: Chinese cell landed at each stack vs US cell net of the ITC tiers."""
    rows = []
    for stack_label, stack in STACKS.items():
        for label, price, pt in US_CELLS:
            t = compare_options(
                deal, None, [CN_CELL, US_CELL], itc_tiers=[k for k, _ in TIERS],
                import_duty_rate=stack, pass_through_45x=pt,
                line_overrides={"us-cell": {"US LFP cell": {"usd_per_kwh": price}}},
            )
            cn = t.loc[("cn-cell", "none"), "landed_usd_per_kwh"]
            assert (t.xs("cn-cell", level="option")["itc_rate"] == 0).all()  # MACR fails
            us = {k: t.loc[("us-cell", k), METRIC] for k, _ in TIERS}
            first = next((k for k, _ in TIERS if us[k] <= cn + 1e-9), None)
            rows.append({
                "CN stack": stack_label, "US cell case": label,
                "CN landed": _money(cn),
                "US net, 0%": _money(us["none"]), "6%": _money(us["base"]),
                "30%": _money(us["pwa"]), "40%": _money(us["pwa+dc"]),
                "CSIS claim": _verdict(first),
            })
    return _md(pd.DataFrame(rows))


def band_table(deal: Deal) -> str:
    """Where the claim holds: US cell price band at each stack, and duty band per US case."""
    rows = []
    for stack_label, stack in STACKS.items():
        p = {k: breakeven_cell_price(deal, None, CN_CELL, US_CELL, metric=METRIC, itc_tier=k,
                                     import_duty_rate=stack, price_range=(1.0, 400.0)).value
             for k in ("none", "base", "pwa")}
        rows.append({
            "case": f"CN cell at {stack_label}",
            "parity with no ITC": f"US cell {p['none']:.2f} $/kWh",
            "claim holds for": f"US cell in ({p['base']:.2f}, {p['pwa']:.2f}] $/kWh",
            "premium over CN FOB": f"{p['base'] / CN_CELL_USD_PER_KWH - 1:.0%} to "
                                   f"{p['pwa'] / CN_CELL_USD_PER_KWH - 1:.0%}",
        })
    for label, price, pt in US_CELLS:
        ov = {"us-cell": {"US LFP cell": {"usd_per_kwh": price}}}
        r = {k: breakeven_tariff(deal, None, CN_CELL, US_CELL, metric=METRIC, itc_tier=k,
                                 max_rate=3.0, pass_through_45x=pt, line_overrides=ov)
             for k in ("none", "base", "pwa")}

        def pct(b):
            return f"{b.value:.1%}" if b.found else "< 0% (US always cheaper)"

        holds = (f"CN duty in [{pct(r['pwa'])}, {pct(r['base'])})"
                 if r["base"].found else "never (US matches with no ITC at any duty)")
        rows.append({
            "case": f"US cell {label}",
            "parity with no ITC": f"CN duty {pct(r['none'])}",
            "claim holds for": holds,
            "premium over CN FOB": f"{price / CN_CELL_USD_PER_KWH - 1:.0%}"
                                   + (" (before 45X)" if pt else ""),
        })
    return _md(pd.DataFrame(rows))


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
                     "CSIS claim": _verdict(first)})
    be = breakeven_tariff(deal, None, "china-import", "fully-domestic", metric=METRIC,
                          itc_tier="none")
    rows.append({"CN stack": f"parity duty, no ITC: {be.value:.1%}", "CN block landed": "",
                 "US block net, 0%": "", "6%": "", "30%": "", "40%": "", "CSIS claim": ""})
    return _md(pd.DataFrame(rows))


def project_table(deal: Deal, lifetime) -> str:
    """Project level (ERCOT Houston 2h, BOC 2026): LCOS with credits and after-tax IRR."""
    rows = []
    for stack_label, stack in STACKS.items():
        t = compare_options(deal, lifetime, ["china-import"], itc_tiers=["pwa"],
                            import_duty_rate=stack).iloc[0]
        rows.append({"option": f"china-import, {stack_label}", "ITC": f"{t['itc_rate']:.0%} "
                     "(MACR 0% < 55%)", "net DC block $/kWh": _money(t["net_dc_block_usd_per_kwh"]),
                     "LCOS with credits $/MWh": f"{t['lcos_with_credits_usd_per_mwh']:.1f}",
                     "project IRR after tax": f"{t['project_irr_after_tax']:.2%}"})
    for cell in (93.60, 130.0):
        ov = {"fully-domestic": {"cells (US, non-PFE)": {"usd_per_kwh": cell}}}
        t = compare_options(deal, lifetime, ["fully-domestic"], itc_tiers=[k for k, _ in TIERS],
                            line_overrides=ov)
        for (_, tier), r in t.iterrows():
            rows.append({"option": f"fully-domestic, US cell {cell:.2f}, tier {tier}",
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
        "#### 1. Cell level ($/kWh): CN cell landed vs US cell x (1 - ITC)", "",
        cell_table(deal), "",
        "#### 2. Where the claim holds (break-even cell price and duty, $/kWh metric)", "",
        band_table(deal), "",
        "#### 3. DC block level, CEA containers (pf 4.11): CN 196.59 ex-duty vs US 256", "",
        block_table(deal), "",
        "#### 4. Project level: ERCOT Houston 2 h example, BOC 2026-03-01, 2024 prices, screening",
        "", project_table(deal, lifetime),
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
