"""Helpers for screening tests: a small SPP deal (Feb-Mar 2022 partial prices, 4-year life)
so a screening-mode deal runs in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
BASE = DATA / "spp_small.toml"


def write_portfolio(tmp: Path, body: str, name: str = "pf.toml") -> Path:
    """A portfolio file in ``tmp`` whose ``base`` is the small SPP deal."""
    path = tmp / name
    path.write_text(f'base = "{BASE.as_posix()}"\n' + body)
    return path


GRID = """
[grid]
"market.node" = ["SPPNORTH_HUB", "SPPSOUTH_HUB"]
"battery.energy_mwh" = [50, 100]
"itc.pwa" = [true, false]
"""

#: Rows that must not stop a screen: one invalid, one failing at run time.
BAD_ROWS = """
[[deals]]
id = "ok"

[[deals]]
id = "neg-power"
"battery.power_mw" = -1

[[deals]]
id = "no-node"
"market.node" = "NOWHERE_HUB"
"""
