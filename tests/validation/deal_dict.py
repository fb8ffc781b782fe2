"""A small valid deal as a dict (the ERCOT Houston example, shortened), for validation tests."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ercot_houston_2h_merchant.toml"


def base_deal() -> dict:
    """The shipped ERCOT Houston example as a dict (a fresh copy)."""
    return copy.deepcopy(tomllib.loads(EXAMPLE.read_text()))
