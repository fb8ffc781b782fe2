"""Deal fixtures: the shipped examples, shortened where a test only needs the mechanics."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bessfin.deal import load_deal, run_deal

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def ercot_deal():
    return load_deal(EXAMPLES / "ercot_houston_2h_merchant.toml")


@pytest.fixture(scope="session")
def short_deal(ercot_deal):
    """The ERCOT example cut to 4 years on 2024 prices (fast, same mechanics)."""
    d = ercot_deal
    return d.model_copy(update={
        "project": d.project.model_copy(update={"life_years": 4}),
        "market": d.market.model_copy(update={"price_years": (2024,)}),
        "augmentation": d.augmentation.model_copy(update={"years": (3,)}),
        "debt": d.debt.model_copy(update={"tenor_years": 4}),
    })


@pytest.fixture(scope="session")
def short_result(short_deal):
    return run_deal(short_deal, mode="full")


def short_market_dict(base: dict, **market) -> dict:
    """The ERCOT example as a dict cut to 2 years, one price year, no debt (fast, same
    mechanics); ``market`` keys override its [market] section."""
    data = {**base, "project": {**base["project"], "life_years": 2},
            "augmentation": {"years": []},
            "market": {**base["market"], "price_years": [2024], **market}}
    data.pop("debt")
    data.pop("lender")
    return data


@pytest.fixture(scope="module")
def base() -> dict:
    """The ERCOT example deal file as a plain dict."""
    return tomllib.loads((EXAMPLES / "ercot_houston_2h_merchant.toml").read_text())
