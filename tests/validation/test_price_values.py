"""Issue 11 item 4: every price value is bounded, and an ambiguous energy column is not guessed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessfin.io import PriceDataError, from_frame, read_prices
from bessfin.markets import get_market, markets


def _table(n: int = 48, **cols) -> pd.DataFrame:
    ts = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    base = 20 + 10 * np.sin(np.arange(n) / 3)
    return pd.DataFrame({"timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         **{k: (base if v is None else v) for k, v in cols.items()}})


def test_every_market_file_has_a_sourced_bound():
    for iso, m in markets().items():
        b = m.price_bounds
        assert b.offer_cap_usd_per_mwh > 0 and b.multiple >= 1, iso
        assert b.source and b.status and b.assumption, iso


def test_the_ercot_bound_is_ten_times_its_5000_cap():
    assert get_market("ercot").price_bounds.bound == 50_000


def test_one_hour_at_1e12_is_refused_naming_the_row():
    prices = 20 + 10 * np.sin(np.arange(48) / 3)
    prices[17] = 1e12
    with pytest.raises(PriceDataError) as e:
        from_frame(_table(energy=prices), "ercot", source="spike.csv")
    msg = str(e.value)
    assert "spike.csv" in msg and "'energy'" in msg and "rows 17" in msg
    assert "2024-01-01T17:00Z" in msg and "1000000000000.0" in msg and "50,000" in msg


def test_a_negative_spike_is_refused_too():
    prices = 20 + 10 * np.sin(np.arange(48) / 3)
    prices[3] = -1e6
    with pytest.raises(PriceDataError, match="rows 3"):
        from_frame(_table(energy=prices), "caiso")


def test_a_capacity_price_is_bounded_too():
    reg = np.full(48, 10.0)
    reg[5] = 1e9
    with pytest.raises(PriceDataError, match="'reg_up'.*rows 5"):
        from_frame(_table(energy=None, reg_up=reg), "ercot")


def test_real_scarcity_prices_pass():
    """ERCOT's shipped 2024 real-time maximum (~$3,100/MWh) and a $5,000 cap hour pass."""
    prices = 20 + 10 * np.sin(np.arange(48) / 3)
    prices[10] = 5000.0
    assert from_frame(_table(energy=prices), "ercot").frame["energy"].max() == 5000.0


def test_two_candidate_columns_are_refused_listing_them(tmp_path):
    f = tmp_path / "two.csv"
    _table(price=None, lmp=np.arange(48.0) + 30).to_csv(f, index=False)
    with pytest.raises(PriceDataError) as e:
        read_prices(f, "ercot")
    msg = str(e.value)
    assert "['lmp', 'price']" in msg and "price_column" in msg


def test_price_column_picks_one(tmp_path):
    f = tmp_path / "two.csv"
    _table(price=None, lmp=np.arange(48.0) + 30).to_csv(f, index=False)
    data = read_prices(f, "ercot", price_column="LMP")
    assert data.frame["energy"].iloc[0] == 30.0
    data = read_prices(f, "ercot", price_column="price")
    assert data.frame["energy"].iloc[0] == pytest.approx(20.0)


def test_an_unknown_price_column_lists_the_columns(tmp_path):
    f = tmp_path / "two.csv"
    _table(price=None).to_csv(f, index=False)
    with pytest.raises(PriceDataError, match=r"price_column 'lmp' is not a column.*'price'"):
        read_prices(f, "ercot", price_column="lmp")


def test_a_caiso_export_with_energy_and_lmp_components_is_not_guessed(tmp_path):
    """An LMP table carrying its components (gridstatus-like names, renamed time column)."""
    n = 48
    lmp = np.arange(n) + 40.0
    df = _table(n, lmp=lmp, energy=lmp - 5, congestion=np.full(n, 4.0), loss=np.full(n, 1.0))
    f = tmp_path / "caiso_export.csv"
    df.to_csv(f, index=False)
    with pytest.raises(PriceDataError, match="several candidate energy price columns"):
        read_prices(f, "caiso")
    assert read_prices(f, "caiso", price_column="lmp").frame["energy"].iloc[0] == 40.0


def test_a_deal_names_its_price_column(tmp_path):
    """[market] price_column: a deal's own file with two candidates is refused, then read."""
    from bessfin.deal import DealError, deal_from_dict, load_deal_prices

    from .deal_dict import base_deal

    ts = pd.date_range("2024-01-01 06:00", "2025-01-01 05:00", freq="h", tz="UTC")
    n = len(ts)
    f = tmp_path / "own.csv"
    pd.DataFrame({"timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "price": 30 + 20 * np.sin(np.arange(n) / 4), "lmp": 31.0}).to_csv(f,
                                                                                     index=False)
    d = base_deal()
    d["market"].update(price_years=[2024], price_file=str(f))
    with pytest.raises(PriceDataError, match="several candidate energy price columns"):
        load_deal_prices(deal_from_dict(d))
    d["market"]["price_column"] = "lmp"
    prices = load_deal_prices(deal_from_dict(d))
    assert (prices[2024].frame["energy"] == 31.0).all()
    assert prices[2024].coverage(2024).complete
    d["market"].pop("price_file")
    with pytest.raises(DealError, match="price_column applies to a price_file"):
        deal_from_dict(d)
