"""Shared fixtures for dispatch tests: real shipped prices, loaded once."""

from __future__ import annotations

import pytest

from bessfin.io import load_prices


@pytest.fixture(scope="session")
def ercot_2024():
    return load_prices("ercot", 2024, "HB_HOUSTON")


@pytest.fixture(scope="session")
def caiso_2024():
    return load_prices("caiso", 2024, "TH_SP15")
