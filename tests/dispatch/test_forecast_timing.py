"""Forecasts read only prices published before the decision they serve.

Day-ahead prices of local day D are published on D-1, so the decision for D and its lookahead
may read prices of intervals before the start of D only. Three independent checks: a spy on
what every forecast call is handed, a direct check of the persistence frame against the
published day it must copy, and poisoned future prices that must not change past decisions.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bessfin.dispatch import Battery, Horizon, dispatch, market_series, run_horizon
from bessfin.dispatch.forecast import Persistence
from bessfin.dispatch.horizons import window_starts
from bessfin.io import PriceData

BATTERY = Battery(power_mw=10, energy_mwh=20, max_cycles_per_day=2.0, degradation_cost=2.0)
TZ = "US/Central"


@pytest.fixture(scope="module")
def fortnight(ercot_2024) -> PriceData:
    """ERCOT HB_HOUSTON 2024-03-04 .. 2024-03-18 local (includes the spring-forward day)."""
    local = ercot_2024.local_index.tz_localize(None)
    keep = (local >= pd.Timestamp("2024-03-04")) & (local < pd.Timestamp("2024-03-18"))
    return dataclasses.replace(ercot_2024, frame=ercot_2024.frame[keep])


@pytest.mark.parametrize("period", [1, 7])
def test_every_forecast_call_sees_only_history_before_its_window(fortnight, period):
    ser = market_series(fortnight.frame, fortnight.market)
    calls: list[tuple[pd.Timestamp | None, pd.Timestamp]] = []
    inner = Persistence(period)

    def spy(history, targets, timezone):
        calls.append((history.index.max() if len(history) else None, targets[0]))
        return inner(history, targets, timezone)

    name = inner.name
    run_horizon(ser, BATTERY, Horizon("day", 24, name), forecaster=spy)  # type: ignore[arg-type]
    starts = ser.index[window_starts(ser, "day")]
    assert [t for _, t in calls] == list(starts)  # one call per window, at its start
    for last_read, decision in calls:
        assert last_read is None or last_read < decision
        if last_read is not None:  # the latest published interval is the previous day's last
            assert last_read == decision - pd.Timedelta(hours=1)


def test_persistence_day_copies_the_previous_local_day_for_day_and_lookahead(fortnight):
    frame = fortnight.frame
    local = frame.index.tz_convert(TZ)
    decision = frame.index[np.flatnonzero(local.tz_localize(None) >= pd.Timestamp("2024-03-12"))[0]]
    history = frame[frame.index < decision]
    targets = frame.index[(frame.index >= decision)][:48]  # D = 2024-03-12 and its lookahead
    fc = Persistence(1)(history, targets, TZ)
    published = frame.loc[local.tz_localize(None).normalize() == pd.Timestamp("2024-03-11")]
    by_hour = published.set_axis(published.index.tz_convert(TZ).hour)
    expected = by_hour.loc[targets.tz_convert(TZ).hour].to_numpy()
    np.testing.assert_array_equal(fc.to_numpy(), np.nan_to_num(expected))


def test_persistence_week_reads_the_same_weekday_or_the_latest_published(fortnight):
    frame = fortnight.frame
    local_day = frame.index.tz_convert(TZ).tz_localize(None).normalize()
    decision = frame.index[np.flatnonzero(local_day == pd.Timestamp("2024-03-13"))[0]]
    history = frame[frame.index < decision]
    targets = frame.index[frame.index >= decision][:48]  # Wed 13th and Thu 14th
    fc = Persistence(7)(history, targets, TZ)
    for day, source in (("2024-03-13", "2024-03-06"), ("2024-03-14", "2024-03-07")):
        tgt = targets[targets.tz_convert(TZ).tz_localize(None).normalize() == pd.Timestamp(day)]
        src = frame.loc[local_day == pd.Timestamp(source), "energy"].to_numpy()
        np.testing.assert_array_equal(fc.loc[tgt, "energy"].to_numpy(), src)
    # with less than a week of history the latest published day stands in
    early = frame.index[np.flatnonzero(local_day == pd.Timestamp("2024-03-07"))[0]]
    fc = Persistence(7)(frame[frame.index < early], frame.index[frame.index >= early][:24], TZ)
    src = frame.loc[local_day == pd.Timestamp("2024-03-06"), "energy"].to_numpy()
    np.testing.assert_array_equal(fc["energy"].to_numpy(), src)


@pytest.mark.parametrize(("forecast", "poison_from"), [("persistence-day", "2024-03-12"),
                                                       ("persistence-week", "2024-03-08")])
def test_poisoned_future_prices_do_not_change_earlier_decisions(fortnight, forecast,
                                                                poison_from):
    """Prices from local day P on are replaced by absurd values: every decision up to and
    including day P (decided on D-1's prices at the latest) must be unchanged."""
    frame = fortnight.frame
    local_day = frame.index.tz_convert(TZ).tz_localize(None).normalize()
    poison_day = pd.Timestamp(poison_from)
    poisoned = frame.copy()
    future = np.asarray(local_day >= poison_day)
    poisoned.loc[future, :] = np.where(np.arange(future.sum()) % 2 == 0, 9e5, -9e5)[:, None]
    h = Horizon("day", 24, forecast)
    clean = dispatch(fortnight, BATTERY, horizon=h, compare_to_perfect=False)
    dirty = dispatch(dataclasses.replace(fortnight, frame=poisoned), BATTERY, horizon=h,
                     compare_to_perfect=False)
    upto = np.asarray(local_day <= poison_day)
    cols = [c for c in clean.schedule.columns if c != "energy_price"]
    pd.testing.assert_frame_equal(clean.schedule.loc[upto, cols], dirty.schedule.loc[upto, cols])
    # the poison is visible to the decisions after day P (the test can fail)
    after = np.asarray(local_day > poison_day)
    assert not np.allclose(clean.schedule.loc[after, cols].to_numpy(),
                           dirty.schedule.loc[after, cols].to_numpy())


def test_first_window_idles_and_says_so(fortnight):
    r = dispatch(fortnight, BATTERY, horizon=Horizon("day", 24, "persistence-day"),
                 compare_to_perfect=False)
    first = r.schedule.iloc[:24]
    assert (first[["charge_mw", "discharge_mw"]].to_numpy() == 0).all()
    assert any("idle" in n for n in r.notes)


def test_perfect_foresight_rolling_is_named_so():
    assert "perfect foresight" in Horizon("day", 24).label
    with pytest.raises(ValueError, match="needs decision windows"):
        Horizon("all", 0, "persistence-day")


@pytest.mark.parametrize("period", [1, 7])
@pytest.mark.parametrize("minutes", [60, 15])
def test_window_plan_equals_one_window_at_a_time(period, minutes):
    """The precomputed plan (one local calendar for the whole year) gives every window the
    same source rows as asking window by window, across both DST changes of 2024 and on
    15-minute data, so a plan can never read a row at or after its window's start."""
    tz = "America/Chicago"
    index = pd.date_range("2024-01-01 06:00", "2025-01-01 06:00", freq=f"{minutes}min",
                          tz="UTC", inclusive="left")
    local_day = pd.factorize(index.tz_convert(tz).tz_localize(None).normalize())[0]
    starts = np.flatnonzero(np.r_[True, local_day[1:] != local_day[:-1]])
    stops = np.minimum(np.r_[starts[1:], len(index)] + 24 * 60 // minutes, len(index))
    f = Persistence(period)
    plan = f.plan(index, tz, starts, stops)
    assert plan[0] is None
    for a, c, rows in zip(starts, stops, plan, strict=True):
        one = f.positions(index[:a], index[a:c], tz)
        if one is None:
            assert rows is None
        else:
            np.testing.assert_array_equal(rows, one)
            assert rows.max() < a
