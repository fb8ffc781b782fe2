"""Parity fixtures: one small ERCOT deal, dispatched once per session (screening, 1 year)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bessfin.deal import Deal, deal_from_dict, dispatch_deal

#: The ERCOT Houston example on 2024 prices only, BOC 2026 (MACR test applies), entry
#: 2026-01-15 (China 8507.60 stack 48.4 %). Dispatch does not depend on the supply option or
#: the BOC date, so one lifetime serves every variant below.
DEAL_TOML = """
name = "parity test deal"

[battery]
power_mw = 100
energy_mwh = 200
round_trip_efficiency = 0.85
max_cycles_per_day = 2.0
degradation_cost = 5.0

[market]
iso = "ercot"
node = "HB_HOUSTON"
price_years = [2024]
escalation = 0.02

[project]
life_years = 20
boc_date = 2026-03-01

[degradation]
calendar_per_year = 0.015
per_cycle = 0.00005

[augmentation]
years = [9]
restore_to = 1.0
usd_per_kwh = 150

[supply]
option = "china-import"
import_date = 2026-01-15

[capex]
pcs_usd_per_kw = 70
bos_usd_per_kwh = 30
epc_usd_per_kwh = 40
interconnection_usd_per_kw = 50
development_usd = 3_000_000

[opex]
fixed_om_usd_per_kw_yr = 12
variable_om_usd_per_mwh = 1.0
property_tax_pct_capex = 0.01
insurance_pct_capex = 0.005
escalation = 0.025

[itc]
pwa = true

[tax]
state_rate = 0.0
itc_monetisation = "transfer"
transfer_price = 0.92

[debt]
rate = 0.0675
tenor_years = 10
repayment = "sculpted"
dscr_merchant = 1.40
max_gearing = 0.5
merchant_haircut = 0.8

[finance]
discount_rate = 0.09
"""


def make_deal(**project: object) -> Deal:
    """The test deal with ``[project]`` keys replaced (e.g. ``boc_date="2025-10-01"``)."""
    data = tomllib.loads(DEAL_TOML)
    data["project"].update(project)
    return deal_from_dict(data, "parity test deal")


@pytest.fixture(scope="session")
def deal_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parity") / "deal.toml"
    path.write_text(DEAL_TOML)
    return path


@pytest.fixture(scope="session")
def deal() -> Deal:
    return make_deal()


@pytest.fixture(scope="session")
def deal_2025() -> Deal:
    """BOC 2025-10-01: no MACR test, so the Chinese DC block keeps the ITC."""
    return make_deal(boc_date="2025-10-01")


@pytest.fixture(scope="session")
def lifetime(deal):
    return dispatch_deal(deal, mode="screening")
