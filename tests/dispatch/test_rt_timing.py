"""The hour-ahead RT re-dispatch reads only what is known when each interval is dispatched.

At the decision for RT interval t of local day D the operator knows the RT price of t (a
price-responsive offer clears at it) and the DA prices of day D (published on D-1); it does
not know the RT price of any later interval. Two independent checks: a spy on the prices
every window is decided on, and poisoned future RT prices that must not change earlier
decisions.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bessfin.dispatch import Battery, Horizon, horizons
from bessfin.dispatch.two_settlement import two_settlement
from bessfin.io import load_prices

BATTERY = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
DA_LEG = Horizon("day", 24, "persistence-day")  # the deal's DA decision
PERIOD = {"start": "2024-08-05", "end": "2024-08-12"}
TZ = "US/Central"


@pytest.fixture(scope="module")
def prices():
    return (load_prices("ercot", 2024, "HB_HOUSTON"),
            load_prices("ercot", 2024, "HB_HOUSTON", market="rtm"))


def _local_day(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(index.tz_convert(TZ).tz_localize(None).normalize())


def test_each_window_is_decided_on_its_own_rt_price_and_the_days_da_prices(prices,
                                                                           monkeypatch):
    da, rt = prices
    seen: list[list] = []
    inner = horizons._decision_prices

    def spy(decide, horizon, forecaster, starts, stops):
        out = inner(decide, horizon, forecaster, starts, stops)
        if horizon.window == "interval":
            seen.append([decide.index, starts, stops, out])
        return out

    monkeypatch.setattr(horizons, "_decision_prices", spy)
    two_settlement(da, rt, BATTERY, horizon=DA_LEG, rt_foresight="hour-ahead", **PERIOD)
    assert len(seen) == 1
    index, starts, stops, decided = seen[0]
    local = index.tz_convert(TZ).tz_localize(None)
    rt_price = rt.frame["energy"].reindex(index).to_numpy()
    da_price = da.frame["energy"].reindex(index).to_numpy()
    assert not np.allclose(rt_price, da_price)  # the check can tell them apart
    day = _local_day(index)
    assert len(starts) == len(index)  # one decision per RT interval
    for a, c, values in zip(starts, stops, decided, strict=True):
        energy = values[:, 0]
        assert energy[0] == rt_price[a]  # the interval being dispatched: its RT price
        np.testing.assert_array_equal(energy[1:], da_price[a + 1:c])  # later: DA prices
        assert (day[a:c] == day[a]).all()  # never past the day's published DA prices
        assert c == len(index) or day[c] != day[a]  # ... and up to the end of the day
    assert local[0].hour == 0


@pytest.mark.parametrize("minutes", [60, 15])
def test_poisoned_future_rt_prices_do_not_change_earlier_decisions(prices, minutes):
    """RT prices from interval T on (mid-day; mid-hour on 15-minute data) are negated (the
    largest |price|, the award-holding premium's scale, is unchanged): every decision before
    T must be unchanged, and the decision at T and after changes (the test can fail)."""
    da, rt = prices
    frame = rt.frame[["energy"]]
    if minutes == 15:  # a 15-minute RT series: each hour's price with an in-hour pattern
        idx = pd.date_range(frame.index[0], periods=4 * len(frame), freq="15min",
                            name=frame.index.name)
        shape = np.tile([0.6, 1.4, 0.9, 1.1], len(frame))
        frame = pd.DataFrame({"energy": np.repeat(frame["energy"].to_numpy(), 4) * shape},
                             index=idx)
    local = frame.index.tz_convert(TZ).tz_localize(None)
    t = pd.Timestamp("2024-08-08 14:00") + pd.Timedelta(minutes=30 if minutes == 15 else 0)
    future = np.asarray(local >= t)
    poisoned = frame.copy()
    poisoned.loc[future, "energy"] = -poisoned.loc[future, "energy"]
    runs = [two_settlement(da, dataclasses.replace(rt, frame=f) if minutes == 60 else f,
                           BATTERY, horizon=DA_LEG, rt_foresight="hour-ahead",
                           market="ercot", **PERIOD).rt_schedule
            for f in (frame, poisoned)]
    cols = ["charge_mw", "discharge_mw", "soc_mwh"]
    before = np.asarray(runs[0].index.tz_convert(TZ).tz_localize(None) < t)
    pd.testing.assert_frame_equal(runs[0].loc[before, cols], runs[1].loc[before, cols])
    assert not np.allclose(runs[0].loc[~before, cols].to_numpy(),
                           runs[1].loc[~before, cols].to_numpy())
