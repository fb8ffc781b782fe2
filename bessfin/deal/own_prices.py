"""A deal's own gridstatus exports: its LMP file, its AS files and the reserve zone.

A problem with the AS files or the zone is a :class:`~bessfin.deal.DealError` naming the deal
key (``market.as_price_file``, ``market.reserve_zone``); any other problem of the data is the
reader's :class:`~bessfin.io.PriceDataError`, naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bessfin.deal.schema import DealError, MarketSection
from bessfin.io import PriceData, PriceDataError, read_gridstatus

__all__ = ["read_gridstatus_export"]

#: Reader arguments (``PriceDataError.argument``) and the deal keys that set them.
_KEY_OF_ARGUMENT = {"as_prices": "market.as_price_file", "reserve_zone": "market.reserve_zone"}


def read_gridstatus_export(path: str, market: MarketSection,
                           as_files: Sequence[str] = ()) -> PriceData:
    """Prices of a gridstatus LMP export ``path`` for the deal's ISO and node, with the AS
    exports ``as_files`` cut to ``market.reserve_zone`` (see :func:`bessfin.io.from_gridstatus`).
    """
    for f in as_files:
        if not Path(f).is_file():
            raise DealError(f"market.as_price_file: no such file {f!r}; expected a saved "
                            "gridstatus AS frame (CSV or Parquet)")
    try:
        return read_gridstatus(
            path, market.iso, market.node, as_prices=list(as_files) or None,
            reserve_zone=market.reserve_zone if as_files else None,
            on_missing=market.on_missing)
    except PriceDataError as e:
        key = _KEY_OF_ARGUMENT.get(e.argument)
        if key is None:
            raise
        raise DealError(f"{key}: {e}") from None
