"""Deal files: the examples validate; bad input names the key, the value and what is expected."""

from __future__ import annotations

import pytest

from bessfin.deal import DealError, deal_from_dict, deal_schema, load_deal
from tests.deals.conftest import EXAMPLES


@pytest.mark.parametrize("name", ["ercot_houston_2h_merchant.toml", "caiso_sp15_4h_ra.toml",
                                  "ercot_west_toll.toml"])
def test_examples_validate(name):
    deal = load_deal(EXAMPLES / name)
    assert deal.itc.boc_date == deal.project.boc_date
    assert deal.battery.round_trip_efficiency == pytest.approx(0.85)


def _base(ercot_deal) -> dict:
    return ercot_deal.model_dump(mode="json", exclude_none=True)


def test_negative_energy_message(ercot_deal):
    data = _base(ercot_deal)
    data["battery"]["energy_mwh"] = -5
    with pytest.raises(DealError, match=r"battery\.energy_mwh: must be > 0, got -5"):
        deal_from_dict(data)


def test_unknown_key_did_you_mean(ercot_deal):
    data = _base(ercot_deal)
    data["market"]["horizn"] = "perfect"
    data["battery"]["energy_mhw"] = 10
    with pytest.raises(DealError) as e:
        deal_from_dict(data, "deal.toml")
    msg = str(e.value)
    assert "deal.toml: market.horizn: unknown key; did you mean 'horizon'?" in msg
    assert "battery.energy_mhw: unknown key; did you mean 'energy_mwh'?" in msg


def test_bad_literal_lists_choices(ercot_deal):
    data = _base(ercot_deal)
    data["market"]["horizon"] = "yearly"
    with pytest.raises(DealError, match=r"market\.horizon: must be one of 'perfect'.*got 'yearly'"):
        deal_from_dict(data)


def test_dc_block_price_comes_from_exactly_one_place(ercot_deal):
    data = _base(ercot_deal)
    data["capex"]["dc_block_usd_per_kwh"] = 200.0
    with pytest.raises(DealError, match="exactly one of the two"):
        deal_from_dict(data)


def test_debt_tenor_within_life(ercot_deal):
    data = _base(ercot_deal)
    data["debt"]["tenor_years"] = 30
    with pytest.raises(DealError, match="debt.tenor_years"):
        deal_from_dict(data)


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(DealError, match="bad.toml: not valid TOML"):
        load_deal(bad)
    with pytest.raises(DealError, match="no such deal file"):
        load_deal(tmp_path / "nope.toml")


def test_rte_and_one_way_efficiencies_conflict(ercot_deal):
    data = _base(ercot_deal)
    data["battery"]["round_trip_efficiency"] = 0.9
    with pytest.raises(DealError, match="not both"):
        deal_from_dict(data)


def test_schema_has_sections():
    schema = deal_schema()
    assert {"battery", "market", "project", "capex", "opex", "debt", "lender"} <= set(
        schema["properties"])


def test_missing_itc_section_is_an_error_not_a_default(ercot_deal):
    data = _base(ercot_deal)
    del data["itc"]
    with pytest.raises(DealError, match=r"itc: required key is missing"):
        deal_from_dict(data)


@pytest.mark.parametrize(("limits", "match"), [
    ({"regup": 0.03}, r"market\.as_limits: as_limits: ERCOT has no product 'regup'.*reg_up"),
    ({"rrs": 10}, r"market\.as_limits: as_limits\.rrs: 10 is not a fraction of power.*mw = 10"),
    ("capped", r"market\.as_limits: .*expected 'default', 'none'"),
])
def test_bad_as_limits_name_the_key(ercot_deal, limits, match):
    data = _base(ercot_deal)
    data["market"]["as_limits"] = limits
    with pytest.raises(DealError, match=match):
        deal_from_dict(data, "deal.toml")


def test_as_limits_reach_the_dispatch(ercot_deal, monkeypatch):
    import bessfin.deal.run as chain

    seen = {}
    monkeypatch.setattr(chain, "lifetime_dispatch", lambda *a, **kw: seen.update(kw))
    data = _base(ercot_deal)
    data["market"]["as_limits"] = {"reg_up": 0.05, "rrs": {"mw": 10}, "ecrs": "none"}
    chain.dispatch_deal(deal_from_dict(data), prices={})
    assert seen["as_limits"] == {"reg_up": 0.05, "rrs": {"mw": 10}, "ecrs": "none"}
    chain.dispatch_deal(ercot_deal, prices={})
    assert seen["as_limits"] == "default"  # a deal is capped at the market's depth by default
