"""Issue 11 item 5: explicit [itc] values may not contradict the deal's supply chain silently,
and a MACR test that applies but was not assessed says so wherever the ITC rate is shown."""

from __future__ import annotations

import datetime as dt

import pytest

from bessfin.deal import DealError, deal_from_dict, itc_flags, itc_inputs, resolve_supply
from bessfin.finance import itc_outcome

from .deal_dict import base_deal

BOC_2026 = dt.date(2026, 3, 1)


def _china_2026(**itc) -> dict:
    d = base_deal()
    d["project"]["boc_date"] = BOC_2026
    d["supply"].pop("import_date", None)
    d["itc"] = {"pwa": True, **itc}
    return d


@pytest.fixture(scope="module")
def china():
    deal = deal_from_dict(_china_2026())
    return deal, resolve_supply(deal)


def test_the_chinese_block_computes_no_dc_and_no_macr(china):
    deal, supply = china
    assert supply.dc_adjusted_pct == 0.0 and supply.macr == 0.0
    assert itc_outcome(itc_inputs(deal, supply), deal.battery.power_mw).rate == 0.0


def test_contradicting_values_are_refused_naming_keys_and_values(china):
    _, supply = china
    deal = deal_from_dict(_china_2026(dc_adjusted_pct=1, macr=1))
    with pytest.raises(DealError) as e:
        itc_inputs(deal, supply)
    msg = str(e.value)
    assert "itc.dc_adjusted_pct = 1 but [supply] option 'china-import' computes 0" in msg
    assert "itc.macr = 1" in msg and "override = true" in msg and "\n" not in msg


def test_run_deal_refuses_before_dispatching(monkeypatch):
    import bessfin.deal.run as run

    def boom(*a, **k):
        raise AssertionError("dispatched")

    monkeypatch.setattr(run, "dispatch_deal", boom)
    with pytest.raises(DealError, match="contradicts the supply chain"):
        run.run_deal(deal_from_dict(_china_2026(macr=0.9)))


def test_an_override_with_a_reason_is_applied_and_reported(china):
    _, supply = china
    deal = deal_from_dict(_china_2026(dc_adjusted_pct=1, macr=1, override=True,
                                      override_reason="supplier's certified MACR letter"))
    rate = itc_outcome(itc_inputs(deal, supply), deal.battery.power_mw).rate
    assert rate == pytest.approx(0.40)  # 30 % tier + 10 % DC adder, MACR passes
    flags = itc_flags(deal, supply)
    assert flags["itc_override"]["reason"] == "supplier's certified MACR letter"
    assert len(flags["itc_override"]["differences"]) == 2


def test_an_override_needs_a_reason():
    with pytest.raises(DealError, match="override_reason"):
        deal_from_dict(_china_2026(macr=1, override=True))
    with pytest.raises(DealError, match="override is not true"):
        deal_from_dict(_china_2026(override_reason="because"))


def test_values_that_agree_with_the_supply_option_pass(china):
    _, supply = china
    deal = deal_from_dict(_china_2026(macr=0.0))
    assert itc_inputs(deal, supply).macr == 0.0


def test_missing_macr_is_not_assessed_not_passed():
    d = _china_2026()
    d.pop("supply")
    d["capex"]["dc_block_usd_per_kwh"] = 120.0
    deal = deal_from_dict(d)
    itc = itc_inputs(deal, None)
    assert itc.macr_status == "not assessed"
    out = itc_outcome(itc, deal.battery.power_mw)
    assert out.rate == pytest.approx(0.30)
    assert any("MACR not given" in r for r in out.reasons)
    assert itc_flags(deal, None)["macr_status"] == "not assessed"


@pytest.mark.parametrize(("boc", "status"), [(dt.date(2025, 10, 1), "not applicable"),
                                             (BOC_2026, "assessed")])
def test_macr_status_elsewhere(boc, status):
    d = _china_2026()
    d["project"]["boc_date"] = boc
    deal = deal_from_dict(d)
    assert itc_inputs(deal, resolve_supply(deal)).macr_status == status
