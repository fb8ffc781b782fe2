"""One validated price series split into local calendar years (a deal's price years)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from bessfin.io.errors import PriceDataError
from bessfin.io.prices import PriceData


def split_years(data: PriceData, years: Iterable[int], *, partial: bool = False
                ) -> dict[int, PriceData]:
    """``data`` cut into the given local calendar years.

    Each year must be in the data; unless ``partial`` (a ``drop-days`` policy, whose dropped
    days are already listed in ``data.report``), it must be covered from its first to its last
    local hour.
    """
    local = data.local_index
    out = {}
    have = sorted(set(local.year))
    for y in sorted(set(years)):
        keep = local.year == y
        if not keep.any():
            raise PriceDataError(data.source, "(time)", f"no prices in price year {y}",
                                 expected=f"price years among {have}")
        frame = data.frame[keep]
        start = pd.Timestamp(year=y, month=1, day=1).tz_localize(data.market.timezone)
        end = pd.Timestamp(year=y + 1, month=1, day=1).tz_localize(data.market.timezone)
        hours = int((end - start) / pd.Timedelta(hours=1))
        if not partial and len(frame) != hours:
            raise PriceDataError(
                data.source, "(time)",
                f"price year {y} has {len(frame)} of its {hours} local hours "
                f"({frame.index[0].isoformat()} .. {frame.index[-1].isoformat()})",
                expected=f"the whole local calendar year {y}, or market.on_missing = "
                "'drop-days'")
        out[y] = dataclasses.replace(data, frame=frame)
    return out
