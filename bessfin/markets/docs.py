"""Render the market definitions as the Markdown page ``docs/markets.md``.

``python -m bessfin.markets.docs > docs/markets.md``; a test keeps the page in step.
"""

from __future__ import annotations

from bessfin.markets import markets
from bessfin.markets.model import Market


def _market_md(m: Market) -> list[str]:
    lines = [f"## {m.name}", "", f"Time zone: `{m.timezone}`. Energy price columns: "
             f"`{m.energy_column_prefix}<node>`.", ""]
    if m.notes:
        lines += [m.notes.strip(), ""]
    if m.shipped:
        lines += ["| file | market | years | nodes | ancillary prices |", "|---|---|---|---|---|"]
        for f in m.files:
            part = (" (part year only: dispatch examples; a deal needs its own prices or "
                    "`partial_year = \"annualise\"`)" if f.partial else "")
            lines.append(f"| `{f.pattern}`{part} | {f.market} | "
                         f"{', '.join(map(str, f.years))} | "
                         f"{', '.join(f.nodes)} | {'yes' if f.has_ancillary else 'no'} |")
    else:
        lines.append("Shipped data: none (user prices only).")
    lines.append("")
    b = m.price_bounds
    lines += [f"Price bound: every price value within +-{b.bound:,.0f} ({b.multiple:g} x offer cap "
              f"${b.offer_cap_usd_per_mwh:,.0f}/MWh, assumption `{b.assumption}`; {b.status}; "
              f"{b.source}).", ""]
    if m.sources:
        lines += ["Sources:", ""] + [f"- {src}" for src in m.sources] + [""]
    if m.award_charges:
        lines += ["| award charge | gridstatus column | netted from | source |",
                  "|---|---|---|---|"]
        for c in m.award_charges:
            lines.append(f"| {c.name} | {', '.join(f'`{n}`' for n in c.gridstatus_names)} | "
                         f"{', '.join(f'`{p}`' for p in c.products)} | {c.source} |")
        lines.append("")
    if m.reserve_zones:
        lines += ["| reserve zone | also spelled | locations | paid regions (summed) | source |",
                  "|---|---|---|---|---|"]
        for z in m.reserve_zones:
            lines.append(f"| {z.name} | {', '.join(z.aliases) or '-'} | "
                         f"{', '.join(z.locations) or '-'} | "
                         f"{', '.join(z.paid_regions) or '-'} | {z.source} |")
        lines.append("")
    if not m.products:
        return lines + ["Energy only: the shipped data carry no ancillary prices (so no "
                        "award limits).", ""]
    lines += [
        "| product | id | direction | price column | sustain duration | deployment "
        "[MWh/MW-h] | mileage | offered | gridstatus names | source |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in m.products:
        dur = "; ".join(f"{r.hours:g} h from {r.start} ({r.source})" for r in p.durations)
        mil = (f"`{p.mileage.price_column}` x {p.mileage.multiplier:g} x accuracy "
               f"{p.mileage.accuracy:g} ({p.mileage.source})" if p.mileage else "-")
        offered = " ".join(
            x for x in (f"from {p.available_from}" if p.available_from else "",
                        f"to {p.available_to}" if p.available_to else "") if x
        ) or "always"
        names = ", ".join(f"`{n}`" for n in p.gridstatus_names) or "-"
        if p.mileage and p.mileage.gridstatus_names:
            names += "; mileage: " + ", ".join(f"`{n}`" for n in p.mileage.gridstatus_names)
        lines.append(f"| {p.name} | `{p.id}` | {p.direction} | `{p.price_column}` | {dur} | "
                     f"{p.deployment_fraction:g} | {mil} | {offered} | {names} | {p.source} |")
    return lines + [""] + _depth_md(m)


def _depth_md(m: Market) -> list[str]:
    """Default award limits (market depth) by product and year, then the facts they cite."""
    years = [d.year for p in m.products for d in p.depth]
    lines = [
        f"### {m.name} market depth (default award limits)", "",
        "Award limit = share x the battery's power [MW]; share = procured MW / battery fleet MW "
        "(fleet-share form) or a named assumption. Years outside "
        f"{min(years)}-{max(years)} use the nearest year (the result's notes say so). "
        "Override per deal (`[market] as_limits`), per call (`as_limits=`) or on the command "
        "line (`--as-limit`).", "",
        "| product | year | procured [MW] | fleet [MW] | share [-] | status | facts | reason |",
        "|---|---|--:|--:|--:|---|---|---|",
    ]
    for p in m.products:
        for d in p.depth:
            status = d.status + (f" `{d.assumption}`" if d.assumption else "")
            mw = (f"{d.procured_mw:,.0f}" if d.procured_mw else "-",
                  f"{d.fleet_mw:,.0f}" if d.fleet_mw else "-")
            lines.append(f"| `{p.id}` | {d.year} | {mw[0]} | {mw[1]} | {d.fraction:.3f} | "
                         f"{status} | {', '.join(d.facts)} | {d.reason} |")
    lines += ["", "Facts relied on (rows of [facts/as_volumes.md](facts/as_volumes.md), "
              "copied into the market file with their sources):", "",
              "| id | fact | status | source |", "|---|---|---|---|"]
    lines += [f"| {f.id} | {f.text} | {f.status} | {f.source} |" for f in m.facts]
    return lines + [""]


def markets_markdown() -> str:
    """The whole markets page."""
    lines = [
        "# Markets",
        "",
        "Generated from `bessfin/markets/data/*.toml` by `python -m bessfin.markets.docs`; do "
        "not edit by hand. Each ISO is data: its clock, price files and ancillary products with "
        "their direction, state-of-charge sustain duration by effective date, expected "
        "regulation deployment and mileage settlement. 'symmetric' is one award that "
        "regulates both ways (it holds charge and discharge headroom and energy both ways). "
        "Adding an ISO or a product is adding a TOML entry. Equations: "
        "[dispatch.md](dispatch.md). Values marked UNCERTAIN and named assumptions "
        "('nyiso-reg-duration', ...) are settable: copy the market with "
        "`market.model_copy(update=...)` or edit the TOML. "
        "Each product's default award limit (market depth) per year is derived from sourced "
        "procured volumes and battery fleet sizes, or is a named assumption where no volume "
        "was found; dispatch is capped at these defaults unless told otherwise "
        "(`as_limits`, [dispatch.md](dispatch.md#market-depth-award-limits)).",
        "",
    ]
    for m in markets().values():
        lines += _market_md(m)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markets_markdown(), end="")
