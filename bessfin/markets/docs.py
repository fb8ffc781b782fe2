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
    lines += ["| file | market | years | nodes | ancillary prices |", "|---|---|---|---|---|"]
    for f in m.files:
        lines.append(f"| `{f.pattern}` | {f.market} | {', '.join(map(str, f.years))} | "
                     f"{', '.join(f.nodes)} | {'yes' if f.has_ancillary else 'no'} |")
    lines.append("")
    if not m.products:
        return lines + ["Energy only: the shipped data carry no ancillary prices.", ""]
    lines += [
        "| product | id | direction | price column | sustain duration | deployment "
        "[MWh/MW-h] | mileage | offered | source |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in m.products:
        dur = "; ".join(f"{r.hours:g} h from {r.start} ({r.source})" for r in p.durations)
        mil = (f"`{p.mileage.price_column}` x {p.mileage.multiplier:g} x accuracy "
               f"{p.mileage.accuracy:g} ({p.mileage.source})" if p.mileage else "-")
        offered = " ".join(
            x for x in (f"from {p.available_from}" if p.available_from else "",
                        f"to {p.available_to}" if p.available_to else "") if x
        ) or "always"
        lines.append(f"| {p.name} | `{p.id}` | {p.direction} | `{p.price_column}` | {dur} | "
                     f"{p.deployment_fraction:g} | {mil} | {offered} | {p.source} |")
    return lines + [""]


def markets_markdown() -> str:
    """The whole markets page."""
    lines = [
        "# Markets",
        "",
        "Generated from `bessfin/markets/data/*.toml` by `python -m bessfin.markets.docs`; do "
        "not edit by hand. Each ISO is data: its clock, price files and ancillary products with "
        "their direction, state-of-charge sustain duration by effective date, expected "
        "regulation deployment and mileage settlement. Adding an ISO or a product is adding a "
        "TOML entry. Equations: [dispatch.md](dispatch.md). Values marked UNCERTAIN are "
        "settable: copy the market with `market.model_copy(update=...)` or edit the TOML.",
        "",
    ]
    for m in markets().values():
        lines += _market_md(m)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markets_markdown(), end="")
