"""Fixtures for finance tests: the $120M / 100 MW / 400 MWh reference project.

Tests get the builders through the ``make_inputs`` / ``make_revenue`` fixtures (pytest runs with
``--import-mode=importlib``, so test modules cannot import siblings).
"""

from __future__ import annotations

import pandas as pd
import pytest

from bessfin.finance import CapexInputs, FinanceInputs, ItcInputs, OpexInputs, TaxInputs


def flat_revenue(n_years: int = 20, energy: float = 15e6, mwh: float = 100_000.0) -> pd.DataFrame:
    """Dispatch table: one merchant stream 'energy' [$] and discharged_mwh, years 1..n."""
    return pd.DataFrame(
        {"energy": [energy] * n_years, "discharged_mwh": [mwh] * n_years},
        index=pd.RangeIndex(1, n_years + 1, name="year"),
    )


def reference_inputs(**overrides: object) -> FinanceInputs:
    """$120M capex (300 $/kWh x 400 MWh), $2M/yr fixed O&M (20 $/kW-yr x 100 MW), 30 % ITC."""
    fields: dict[str, object] = {
        "power_mw": 100.0,
        "energy_mwh": 400.0,
        "capex": CapexInputs(dc_block_usd_per_kwh=300.0, pcs_usd_per_kw=0.0),
        "opex": OpexInputs(fixed_om_usd_per_kw_yr=20.0),
        "itc": ItcInputs(rate_override=0.30),
        "tax": TaxInputs(
            federal_rate=0.21,
            state_rate=0.0,
            loss_treatment="used_as_arise",
            itc_monetisation="direct",
        ),
        "discount_rate": 0.08,
    }
    fields.update(overrides)
    return FinanceInputs(**fields)  # type: ignore[arg-type]


@pytest.fixture
def make_inputs():
    """Builder of the reference :class:`FinanceInputs`; keyword arguments override fields."""
    return reference_inputs


@pytest.fixture
def make_revenue():
    """Builder of a flat dispatch revenue table."""
    return flat_revenue
