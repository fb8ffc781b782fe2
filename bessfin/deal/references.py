"""Names a deal refers to (ISO, market, price years, node, products, supply option, tariff
scenario) checked against what bessfin ships, before anything runs.

An unknown name is a :class:`~bessfin.deal.DealError` that names the file and the key, e.g.
``deal.toml: market.node: ercot 2024 dam has no node 'HB_NOWHERE'; nodes: HB_HOUSTON, ...``.
"""

from __future__ import annotations

from typing import Any

from bessfin.deal.schema import Deal, DealError
from bessfin.io import available
from bessfin.markets import markets
from bessfin.supply import get_scenario, list_supply_options


def _names(items: list[str] | set[str]) -> str:
    return ", ".join(sorted(items))


def _shipped_price_problems(m: Any, iso: str, known: dict, shipped_isos: set[str]
                            ) -> list[str]:
    """Problems of a deal on shipped prices: ISO shipped, market, years and node present."""
    if not known[iso].shipped:
        return [f"market.iso: bessfin ships no {iso} prices (shipped ISOs: "
                f"{_names(shipped_isos)}); run it on your own prices with "
                f"bessfin.deal.run_deal(deal, prices=...) or market.price_file"]
    shipped = [r for r in available() if r[0] == iso]
    kinds = {r[1] for r in shipped}
    if m.market not in kinds:
        return [f"market.market: {iso} has no shipped {m.market!r} prices; "
                f"markets: {_names(kinds)}"]
    problems = []
    years = sorted({r[2] for r in shipped if r[1] == m.market})
    missing = [y for y in m.price_years if y not in years]
    if missing:
        problems.append(f"market.price_years: {iso} {m.market} has no prices for "
                        f"{missing}; shipped years: {years}")
    market = known[iso]
    want = market.node_column(m.node)
    for y in (y for y in dict.fromkeys(m.price_years) if y in years):
        nodes = [r[3] for r in shipped if r[1] == m.market and r[2] == y]
        if not any(market.node_column(n) == want for n in nodes):
            problems.append(f"market.node: {iso} {y} {m.market} has no node {m.node!r}; "
                            f"nodes: {_names(nodes)}")
            break
    return problems


def reference_problems(deal: Deal) -> list[str]:
    """``key: what is wrong`` for every name in ``deal`` that bessfin does not ship. A deal
    with its own ``market.price_file`` is not checked against shipped prices (the file is
    validated when read)."""
    problems: list[str] = []
    m = deal.market
    known = markets()
    iso = m.iso.strip().lower()
    shipped_isos = {k for k, v in known.items() if v.shipped}
    if iso not in known:
        problems.append(f"market.iso: unknown ISO {m.iso!r}; shipped ISOs: {_names(shipped_isos)}"
                        f"; user prices only: {_names(set(known) - shipped_isos)}")
    else:
        if m.price_file is None:
            problems += _shipped_price_problems(m, iso, known, shipped_isos)
        if m.products:
            ids = [p.id for p in known[iso].products]
            bad = [p for p in m.products if p not in ids]
            if bad:
                problems.append(f"market.products: {iso} has no product(s) {bad}; "
                                f"products: {_names(ids)}")
    if deal.supply is not None:
        options = list(list_supply_options())
        if deal.supply.option not in options:
            problems.append(f"supply.option: unknown supply option {deal.supply.option!r}; "
                            f"options: {_names(options)}")
        try:
            get_scenario(deal.supply.tariff_scenario)
        except (KeyError, ValueError) as e:
            text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
            problems.append(f"supply.tariff_scenario: {text}")
    return problems


def check_references(deal: Deal, source: str) -> None:
    """Raise :class:`DealError` (one line per problem, each naming ``source`` and the key)
    when ``deal`` names an ISO, market, year, node, product, supply option or tariff
    scenario that bessfin does not ship."""
    problems = reference_problems(deal)
    if problems:
        raise DealError("\n".join(f"{source}: {p}" for p in problems))
