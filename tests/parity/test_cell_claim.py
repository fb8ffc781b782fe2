"""The CSIS cell-level claim, pinned against hand computations (no deal, no dispatch)."""

from __future__ import annotations

import pytest

from bessfin.studies import CELL_PAIRINGS, CellPrice, cash_factor, evaluate_cell_claim

CN60 = CellPrice(60.0, "cn", "2024", "pf 4.6")
US111 = CellPrice(111.18, "us", "2023/24", "pf 4.10")


def test_cash_factor_is_transfer_price_less_half_the_tax_on_the_basis_cut():
    # 0.92 per $ sold, less 0.5 x 21 % of deductions lost per $ of credit: 0.92 - 0.105.
    assert cash_factor() == pytest.approx(0.815)
    assert cash_factor(0.90, 0.21, 0.8) == pytest.approx(0.90 - 0.084)


def test_benchmark_us_cell_against_60_dollar_cn_cell_by_hand():
    c = evaluate_cell_claim(CN60, US111)
    landed = 60.0 * 1.58                        # 94.80
    assert c.cn_landed == pytest.approx(94.80)
    assert c.itc_nominal == pytest.approx(0.30 * 111.18)  # 33.354
    assert c.itc_cash == pytest.approx(0.30 * 111.18 * 0.815)  # 27.18
    assert c.needed_nominal == pytest.approx((111.18 - landed) / 111.18)  # 0.1473
    assert c.needed_cash_basis == pytest.approx((111.18 - landed) / (111.18 * 0.815))  # 0.1808
    assert 111.18 - 33.354 <= landed and 111.18 - 27.18 <= landed
    assert c.holds_nominal and c.holds_cash


def test_plus_56_percent_us_cell_never_needs_an_itc_at_58_percent():
    # US = 1.56 x FOB < 1.58 x FOB = CN landed, for every CN price.
    for fob in (40.0, 60.0, 74.0, 100.0):
        c = evaluate_cell_claim(CellPrice(fob, "", "", ""), CellPrice(1.56 * fob, "", "", ""))
        assert c.needed_nominal == pytest.approx(1.0 - 1.58 / 1.56)
        assert c.needed_nominal < 0 and not c.holds_nominal and not c.holds_cash


def test_claim_fails_when_30_percent_is_not_enough():
    # US 200 vs CN 60 landed 94.80: needs (200 - 94.80) / 200 = 52.6 % > 30 %.
    c = evaluate_cell_claim(CN60, CellPrice(200.0, "", "", ""))
    assert c.needed_nominal == pytest.approx(0.526)
    assert not c.holds_nominal and not c.holds_cash


def test_cash_value_can_break_a_claim_that_holds_nominally():
    # Pick the US cell where 30 % nominal exactly closes the gap: US x 0.7 = 94.80.
    us = CellPrice(94.80 / 0.7, "", "", "")
    c = evaluate_cell_claim(CN60, us)
    assert c.holds_nominal and not c.holds_cash
    assert c.needed_nominal == pytest.approx(0.30)
    assert c.needed_cash_basis == pytest.approx(0.30 / 0.815)


def test_shipped_pairings_are_sourced_and_give_the_documented_outcomes():
    outcomes = [evaluate_cell_claim(cn, us).holds_nominal for cn, us in CELL_PAIRINGS]
    assert outcomes == [False, False, True, False, True, False]
    for cn, us in CELL_PAIRINGS:
        assert cn.source.startswith("pf 4.") and "pf 4." in us.source and cn.vintage
