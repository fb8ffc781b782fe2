"""§48E rate table cases (policy_facts.md section 1 and section 8 keys)."""

from __future__ import annotations

from datetime import date

import pytest

from bessfin.finance import DEFAULT_POLICY, Step, itc_rate, load_policy

UTILITY = 100.0  # MW


@pytest.mark.parametrize(
    ("boc", "mw", "pwa", "expected"),
    [
        ("2025-07-01", UTILITY, False, 0.06),  # base
        ("2025-07-01", UTILITY, True, 0.30),  # PWA
        ("2025-07-01", 0.99, False, 0.30),  # < 1 MW
        ("2025-07-01", 1.0, False, 0.06),  # exactly 1 MW is not "less than 1 MW"
        ("2023-01-28", UTILITY, False, 0.30),  # BOC before PWA guidance + 60 days
        ("2023-01-29", UTILITY, False, 0.06),
    ],
)
def test_tiers(boc, mw, pwa, expected):
    assert itc_rate(boc, mw, pwa).rate == pytest.approx(expected)


def test_energy_community_adders():
    assert itc_rate("2025-07-01", UTILITY, True, energy_community=True).rate == pytest.approx(0.40)
    assert itc_rate("2025-07-01", UTILITY, False, energy_community=True).rate == pytest.approx(0.08)


@pytest.mark.parametrize(
    ("boc", "dc", "adder"),
    [
        ("2025-06-15", 0.40, 0.10),  # 40 % threshold before 2025-06-16
        ("2025-06-15", 0.39, 0.0),
        ("2025-06-16", 0.42, 0.0),  # 45 % from 2025-06-16
        ("2025-12-31", 0.45, 0.10),
        ("2026-05-01", 0.50, 0.10),  # 50 % in 2026
        ("2026-05-01", 0.49, 0.0),
        ("2027-01-01", 0.54, 0.0),  # 55 % after 2026
        ("2027-01-01", 0.55, 0.10),
    ],
)
def test_domestic_content_threshold_by_boc(boc, dc, adder):
    out = itc_rate(boc, UTILITY, True, dc_adjusted_pct=dc, macr=0.99)
    assert out.dc_adder == pytest.approx(adder)
    assert out.rate == pytest.approx(0.30 + adder)


def test_domestic_content_base_tier_and_steel():
    assert itc_rate(
        "2027-03-01", UTILITY, False, dc_adjusted_pct=0.6, macr=0.9
    ).rate == pytest.approx(0.08)
    out = itc_rate(
        "2027-03-01", UTILITY, True, dc_adjusted_pct=0.6, macr=0.9, dc_steel_iron_us=False
    )
    assert out.rate == pytest.approx(0.30)


def test_full_stack_example_from_fact_sheet():
    # policy_facts.md: BOC 2027, PWA, MACR >= 60 %, EC, DC >= 55 % -> 50 %.
    out = itc_rate(date(2027, 6, 1), UTILITY, True, True, 0.56, 0.61)
    assert out.rate == pytest.approx(0.50)
    assert out.macr_threshold == pytest.approx(0.60)


@pytest.mark.parametrize(
    ("boc", "factor"),
    [("2033-12-31", 1.0), ("2034-01-01", 0.75), ("2035-06-30", 0.50), ("2036-01-01", 0.0)],
)
def test_phase_down(boc, factor):
    out = itc_rate(boc, UTILITY, True, energy_community=True, macr=0.99)
    assert out.phase_down == factor
    assert out.rate == pytest.approx(0.40 * factor)


@pytest.mark.parametrize(
    ("boc", "macr", "passes"),
    [
        ("2026-02-01", 0.54, False),
        ("2026-02-01", 0.55, True),
        ("2027-02-01", 0.59, False),
        ("2028-02-01", 0.64, False),
        ("2028-02-01", 0.65, True),
        ("2029-02-01", 0.69, False),
        ("2030-02-01", 0.74, False),
        ("2031-02-01", 0.75, True),
    ],
)
def test_macr_threshold(boc, macr, passes):
    out = itc_rate(boc, UTILITY, True, macr=macr)
    assert out.rate == pytest.approx(0.30 if passes else 0.0)


def test_macr_failure_reason_text_and_not_applicable_before_2026():
    out = itc_rate("2026-03-01", UTILITY, True, True, 0.52, 0.48)
    assert out.rate == 0.0
    assert "MACR 48% < 55% threshold for BOC 2026: credit is zero" in out.explain()
    early = itc_rate("2025-12-31", UTILITY, True, macr=0.10)
    assert early.macr_threshold is None and early.rate == pytest.approx(0.30)


def test_missing_macr_is_flagged_not_silently_passed():
    out = itc_rate("2027-03-01", UTILITY, True)
    assert out.rate == pytest.approx(0.30)
    assert any("MACR not given" in r for r in out.reasons)


def test_foreign_entity_taxpayer_gets_zero():
    assert (
        itc_rate("2025-07-01", UTILITY, True, prohibited_foreign_entity_taxpayer=True).rate == 0.0
    )


def test_percent_instead_of_fraction_is_refused():
    with pytest.raises(ValueError, match="did you mean 0.48"):
        itc_rate("2026-03-01", UTILITY, True, macr=48)


def test_policy_is_overridable():
    policy = DEFAULT_POLICY.model_copy(update={"base_rate": 0.07})
    assert itc_rate("2025-07-01", UTILITY, False, policy=policy).rate == pytest.approx(0.07)
    longer = DEFAULT_POLICY.model_copy(
        update={"phase_down": (Step(start=date(1900, 1, 1), value=1.0),)}
    )
    assert itc_rate("2040-01-01", UTILITY, True, policy=longer).rate == pytest.approx(0.30)
    assert DEFAULT_POLICY.base_rate == 0.06  # the default is untouched


def test_every_row_has_a_source():
    for name, note in DEFAULT_POLICY.sources.items():
        assert note.source and note.facts_row and note.effective, name
    for schedule in (
        DEFAULT_POLICY.dc_threshold,
        DEFAULT_POLICY.phase_down,
        DEFAULT_POLICY.macr_threshold,
    ):
        for step in schedule:
            assert step.source and step.facts_row and step.status


def test_load_policy_from_edited_file(tmp_path):
    from importlib import resources

    text = resources.files("bessfin.common").joinpath("itc_48e.toml").read_text(encoding="utf-8")
    edited = text.replace("[base_rate]\nvalue = 0.06", "[base_rate]\nvalue = 0.05")
    assert edited != text
    path = tmp_path / "policy.toml"
    path.write_text(edited, encoding="utf-8")
    policy = load_policy(path)
    assert itc_rate("2025-07-01", UTILITY, False, policy=policy).rate == pytest.approx(0.05)


def test_unsorted_schedule_is_refused():
    with pytest.raises(ValueError, match="strictly increasing"):
        DEFAULT_POLICY.model_validate(
            {
                **DEFAULT_POLICY.model_dump(),
                "phase_down": [
                    {"start": date(2035, 1, 1), "value": 0.5},
                    {"start": date(1900, 1, 1), "value": 1.0},
                ],
            }
        )
