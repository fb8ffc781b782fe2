"""Issue 11 item 2: contracts may not sell more MW than the battery has, nor run past its life."""

from __future__ import annotations

import numpy as np
import pytest

from bessfin.deal import DealError, deal_from_dict, load_deal
from bessfin.finance import ContractInputs, contracted_mw

from .deal_dict import EXAMPLE, base_deal

RA = {"price_usd_per_kw_month": 5.0, "tenor_years": 10}
TOLL = {"price_usd_per_kw_month": 9.0, "tenor_years": 7}


def _deal(contracts: dict) -> dict:
    d = base_deal()
    d["contracts"] = contracts
    return d


def test_capacity_above_power_is_refused_naming_key_and_values():
    with pytest.raises(DealError) as e:
        deal_from_dict(_deal({"capacity": {**RA, "contracted_mw": 500}}), "big.toml")
    msg = str(e.value)
    assert "big.toml" in msg
    assert "contracts.capacity.contracted_mw = 500 MW" in msg
    assert "battery.power_mw = 100 MW" in msg
    assert "\n" not in msg


def test_full_toll_plus_ra_is_paid_twice_and_refused():
    with pytest.raises(DealError, match=r"sell 200 MW in year 1 \(contracts.toll.share = 1 x "
                                        r"100 MW \+ contracts.capacity.contracted_mw = 100 MW\)"):
        deal_from_dict(_deal({"toll": {**TOLL, "share": 1.0},
                              "capacity": {**RA, "contracted_mw": 100}}))


def test_contracts_that_do_not_overlap_may_each_use_the_whole_battery():
    d = _deal({"toll": {**TOLL, "share": 1.0, "tenor_years": 5},
               "capacity": {**RA, "contracted_mw": 100, "start_year": 6}})
    deal = deal_from_dict(d)
    mw = contracted_mw(deal.contracts, 100.0, 20)
    assert mw[0] == 0 and (mw[1:16] == 100).all() and (mw[16:] == 0).all()


def test_a_toll_and_ra_that_share_the_battery_fit():
    deal = deal_from_dict(_deal({"toll": {**TOLL, "share": 0.6},
                                 "capacity": {**RA, "contracted_mw": 40}}))
    assert np.isclose(contracted_mw(deal.contracts, 100.0, 20).max(), 100.0)


def test_a_contract_past_the_life_is_refused():
    with pytest.raises(DealError, match=r"contracts.toll: start_year 15 \+ tenor_years 7 runs "
                                        r"to year 21, past project.life_years 20"):
        deal_from_dict(_deal({"toll": {**TOLL, "share": 0.5, "start_year": 15}}))


def test_a_contract_before_year_one_is_refused():
    with pytest.raises(DealError, match="contracts.capacity.start_year: must be >= 1, got 0"):
        deal_from_dict(_deal({"capacity": {**RA, "contracted_mw": 10, "start_year": 0}}))


def test_the_pro_forma_inputs_refuse_it_too():
    from bessfin.finance import FinanceInputs

    deal = load_deal(EXAMPLE)
    with pytest.raises(ValueError, match="more than battery.power_mw = 100 MW"):
        FinanceInputs(power_mw=100.0, energy_mwh=200.0, capex=deal.capex.model_copy(
            update={"dc_block_usd_per_kwh": 100.0}), opex=deal.opex, itc=deal.itc,
            contracts=ContractInputs(capacity={**RA, "contracted_mw": 500}), discount_rate=0.08)


@pytest.mark.parametrize("name", ["ercot_west_toll.toml", "caiso_sp15_4h_ra.toml"])
def test_shipped_contract_examples_fit(name):
    load_deal(EXAMPLE.parent / name)
