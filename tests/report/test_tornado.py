"""The tornado frame contract (bessfin.report.tornado)."""

from __future__ import annotations

import pandas as pd
import pytest

from bessfin.report.tornado import REQUIRED, check_tornado, method_note, tornado_metric


def _frame(**over) -> pd.DataFrame:
    base = {"parameter": ["capex", "price", "ITC"], "low_label": ["-10 %", "-20 %", "6 %"],
            "high_label": ["+10 %", "+20 %", "40 %"], "low_value": [0.08, 0.02, 0.03],
            "high_value": [0.04, 0.10, 0.065], "base_value": [0.06] * 3,
            "metric": ["equity_irr_after_tax"] * 3}
    base.update(over)
    return pd.DataFrame(base)


def test_sorted_by_swing_with_deltas():
    out = check_tornado(_frame())
    assert list(out["parameter"]) == ["price", "capex", "ITC"]
    assert out.loc[0, "swing"] == pytest.approx(0.08)
    assert out.loc[1, "low_delta"] == pytest.approx(0.02)
    assert out.loc[1, "high_delta"] == pytest.approx(-0.02)
    assert tornado_metric(out) == ("equity irr after tax", "pct")


def test_undefined_values_allowed_and_sorted_last():
    out = check_tornado(_frame(low_value=[0.08, float("nan"), 0.03]))
    assert out["parameter"].iloc[-1] == "price"


def test_from_bessfin_sensitivity(tornado_frame, result):
    out = check_tornado(tornado_frame)
    assert set(REQUIRED) <= set(out.columns)
    assert out["base_value"].iloc[0] == pytest.approx(
        result.pro_forma.metrics.project_irr_after_tax)


@pytest.mark.parametrize(("frame", "message"), [
    (_frame().drop(columns="high_label"), "missing columns \\['high_label'\\]"),
    (_frame(base_value=[0.06, 0.06, 0.07]), "same in every row"),
    (_frame(parameter=["a", "a", "b"]), "repeated: \\['a'\\]"),
    (_frame(low_value=["x", 0.1, 0.2]), "'low_value' must be numeric"),
    (_frame(metric=["a", "b", "a"]), "metric must be one value"),
    (_frame().iloc[0:0], "no rows"),
])
def test_bad_frames_refused(frame, message):
    with pytest.raises(ValueError, match=message):
        check_tornado(frame)


def test_not_a_frame():
    with pytest.raises(TypeError):
        check_tornado([1, 2])  # type: ignore[arg-type]


def test_method_note_says_how_each_bar_was_valued():
    assert method_note(_frame()) == ""  # the optional columns are optional
    frame = _frame(mode=["screening"] * 3,
                   low_method=["revalued", "screening delta", "revalued"],
                   high_method=["revalued", "screening delta", "revalued"],
                   note=["", "price -20 %: equity irr after tax undefined", ""])
    text = method_note(check_tornado(frame))
    assert text.startswith("Tornado mode screening: ")
    assert "price by the screening delta" in text
    assert "capex, ITC re-valued on the base case's dispatch" in text
    assert text.endswith("Undefined: price -20 %: equity irr after tax undefined.")


def test_undefined_p_values_are_said_in_words_in_the_report():
    from bessfin.report.html import _pvalues_table

    dist = pd.DataFrame({"price_year": [2024, 2025], "metric": "project_irr_after_tax",
                         "value": [-0.015, float("nan")],
                         "note": ["", "NPV does not change sign: IRR undefined"]})
    text = _pvalues_table({"deal": dist})
    assert ("P50 and P90 undefined: Project IRR, after tax does not exist on price year 2025 "
            "alone (NPV does not change sign: IRR undefined)") in text
    assert "nan" not in text.lower()
