"""Deal fixtures: the shipped examples, shortened where a test only needs the mechanics."""

from __future__ import annotations

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
