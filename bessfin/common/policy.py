"""The one §48E policy table (``itc_48e.toml``): finance and supply both read it from here.

Finance (``bessfin.finance.itc``) turns it into an ``Itc48ePolicy``; supply
(``bessfin.supply.sourcing``) reads the domestic-content and MACR threshold schedules from the same
rows, so the two can never disagree (issue 11: there used to be a second copy in
``supply/sourcing.toml``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["POLICY_FILE", "policy_table", "schedule", "schedule_value"]

POLICY_FILE = "itc_48e.toml"


@cache
def policy_table() -> dict[str, Any]:
    """The shipped policy table as parsed TOML (do not mutate)."""
    text = resources.files("bessfin.common").joinpath(POLICY_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def schedule(name: str) -> list[dict[str, Any]]:
    """Rows of a step schedule (``dc_threshold``, ``macr_threshold``, ``phase_down``), by start."""
    return sorted(policy_table()[name], key=lambda r: r["start"])


def schedule_value(name: str, when: dt.date) -> float | None:
    """Value of the last row of schedule ``name`` starting on or before ``when`` [-]; ``None``
    before the first row."""
    value = None
    for row in schedule(name):
        if row["start"] <= when:
            value = float(row["value"])
    return value
