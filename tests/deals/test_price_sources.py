"""A deal's own prices (file or gridstatus export), its foresight and its forward curve."""

from __future__ import annotations

import pandas as pd
import pytest

from bessfin.deal import DealError, deal_from_dict, load_deal, load_deal_prices, run_deal
from bessfin.io import PriceDataError, load_prices

from .conftest import EXAMPLES
from .conftest import short_market_dict as _short


@pytest.fixture(scope="module")
def shipped_2024():
    return load_prices("ercot", 2024, "HB_HOUSTON")


@pytest.fixture(scope="module")
def price_csv(tmp_path_factory, shipped_2024):
    path = tmp_path_factory.mktemp("prices") / "houston_2024.csv"
    shipped_2024.frame.rename_axis("timestamp_utc").to_csv(path)
    return path


def test_default_foresight_is_a_persistence_forecast(base):
    deal = deal_from_dict(_short(base))
    assert deal.market.foresight == "persistence-day"
    h = deal.market.horizon_spec()
    assert h.forecast == "persistence-day" and h.window == "day" and h.lookahead_hours == 24
    perfect = deal_from_dict(_short(base, foresight="perfect")).market.horizon_spec()
    assert perfect.forecast is None and perfect.window == "all"
    # the former key still reads
    legacy = deal_from_dict(_short(base, forecast="persistence-week"))
    assert legacy.market.foresight == "persistence-week"


def test_own_price_csv_deal_runs_end_to_end_and_matches_the_shipped_prices(
        base, price_csv, tmp_path):
    (tmp_path / price_csv.name).write_bytes(price_csv.read_bytes())
    deal = deal_from_dict(_short(base, price_file=str(tmp_path / price_csv.name)))
    own = run_deal(deal, mode="screening")
    shipped = run_deal(deal_from_dict(_short(base)), mode="screening")
    assert own.summary_dict()["price_source"] == (
        f"{tmp_path / price_csv.name}: ERCOT HB_HOUSTON, 2024")
    assert shipped.summary_dict()["price_source"] == "shipped ERCOT 2024 DAM HB_HOUSTON"
    assert own.summary_dict()["foresight"] == "persistence-day"
    a, b = own.lifetime.revenue_table(), shipped.lifetime.revenue_table()
    pd.testing.assert_frame_equal(a, b)
    assert own.pro_forma.metrics.project_irr_after_tax == pytest.approx(
        shipped.pro_forma.metrics.project_irr_after_tax, rel=1e-12)


def test_relative_price_file_is_read_next_to_the_deal_file(base, price_csv, tmp_path):
    text = (EXAMPLES / "ercot_houston_2h_merchant.toml").read_text()
    text = text.replace('price_years = [2024, 2025]',
                        f'price_years = [2024]\nprice_file = "data/{price_csv.name}"')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / price_csv.name).write_bytes(price_csv.read_bytes())
    (tmp_path / "deal.toml").write_text(text)
    deal = load_deal(tmp_path / "deal.toml")
    assert deal.market.price_file == str(tmp_path / "data" / price_csv.name)
    prices = load_deal_prices(deal)
    assert list(prices) == [2024] and len(prices[2024].frame) == 8784


def test_price_year_missing_from_the_file_is_a_clear_error(base, price_csv):
    deal = deal_from_dict(_short(base, price_file=str(price_csv), price_years=[2023]))
    with pytest.raises(PriceDataError, match="no prices in price year 2023"):
        load_deal_prices(deal)


def test_gridstatus_export_files(base, tmp_path, shipped_2024):
    frame = shipped_2024.frame
    start = frame.index.tz_convert("US/Central")
    pd.DataFrame({"Interval Start": start.astype(str), "Location": "HB_HOUSTON",
                  "SPP": frame["energy"].to_numpy()}).to_csv(tmp_path / "lmp.csv", index=False)
    names = {"reg_up": "Regulation Up", "reg_down": "Regulation Down",
             "rrs": "Responsive Reserves", "ecrs": "ERCOT Contingency Reserve Service",
             "nonspin": "Non-Spinning Reserves"}
    pd.DataFrame({"Interval Start": start.astype(str),
                  **{names[c]: frame[c].to_numpy() for c in names}}).to_csv(
        tmp_path / "as.csv", index=False)
    deal = deal_from_dict(_short(base, price_file=str(tmp_path / "lmp.csv"),
                                 as_price_file=str(tmp_path / "as.csv"),
                                 price_format="gridstatus"))
    prices = load_deal_prices(deal)
    pd.testing.assert_frame_equal(prices[2024].frame, frame, check_freq=False)
    assert "gridstatus export" in deal.market.price_source()


def test_forecast_file_equal_to_actual_prices_is_perfect_rolling_foresight(
        base, price_csv):
    """A 'forecast' that is the actual prices decides like the perfect-foresight rolling
    day with the same windows."""
    from bessfin.deal import dispatch_deal

    file_deal = deal_from_dict(_short(base, foresight="file", forecast_file=str(price_csv)))
    rolling = deal_from_dict(_short(base, foresight="perfect", horizon="perfect-rolling-day"))
    one = {"project": file_deal.project.model_copy(update={"life_years": 1})}
    a = dispatch_deal(file_deal.model_copy(update=one))
    b = dispatch_deal(rolling.model_copy(update=one))
    pd.testing.assert_frame_equal(a.revenue_table(), b.revenue_table())
    assert "user forecast" in a.first_year.horizon.label


@pytest.mark.parametrize(("market", "message"), [
    ({"foresight": "file"}, "foresight = 'file' and forecast_file go together"),
    ({"forward_curve": {"energy": [1.0, 1.1]}}, "escalation or a forward_curve"),
    ({"price_format": "gridstatus"}, "needs price_file"),
    ({"price_path": "alternate"}, "market.price_path: must be one of"),
])
def test_bad_market_settings_are_one_line_errors(base, market, message):
    with pytest.raises(DealError, match=message):
        deal_from_dict(_short(base, **market))


def test_forward_curve_file(base, tmp_path):
    (tmp_path / "curve.csv").write_text("year,energy,ancillary\n1,1.0,1.0\n2,0.9,0.5\n")
    deal = deal_from_dict(_short(base, escalation=0.0,
                                 forward_curve={"file": str(tmp_path / "curve.csv")}))
    curve = deal.market.price_path_spec().curve
    assert curve.energy == (1.0, 0.9) and curve.ancillary == (1.0, 0.5)
    (tmp_path / "bad.csv").write_text("year,energy\n1,1.0\n2,-3\n")
    bad = deal_from_dict(_short(base, escalation=0.0,
                               forward_curve={"file": str(tmp_path / "bad.csv")}))
    with pytest.raises(ValueError, match=r"bad.csv: row 3: energy = -3"):
        bad.market.price_path_spec()


def test_own_price_file_deal_is_not_checked_against_shipped_names(base, price_csv):
    from bessfin.deal import reference_problems

    own = deal_from_dict(_short(base, price_file=str(price_csv), node="MY_NODE",
                                price_years=[2019]))
    assert reference_problems(own) == []
    shipped = deal_from_dict(_short(base, node="MY_NODE", price_years=[2019]))
    assert any("price_years" in p for p in reference_problems(shipped))
