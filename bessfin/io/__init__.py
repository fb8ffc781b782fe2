"""Price data in and out: shipped ISO files, user files and gridstatus frames.

Every entry point returns a validated :class:`PriceData` (see ``docs/data.md``).
"""

from __future__ import annotations

from bessfin.io.errors import PriceDataError, UnknownSeriesError
from bessfin.io.files import (
    PRICE_FILE_SUFFIXES,
    from_frame,
    read_gridstatus,
    read_prices,
    read_table,
)
from bessfin.io.gridstatus import GRIDSTATUS_AS_COLUMNS, from_gridstatus
from bessfin.io.prices import Coverage, PartialYear, PriceData, hours_in_year
from bessfin.io.quality import DataReport
from bessfin.io.shipped import available, load_prices, parse_price_spec
from bessfin.io.tables import csv_safe, csv_text
from bessfin.io.years import split_years

__all__ = [
    "GRIDSTATUS_AS_COLUMNS",
    "PRICE_FILE_SUFFIXES",
    "Coverage",
    "PartialYear",
    "DataReport",
    "PriceData",
    "PriceDataError",
    "UnknownSeriesError",
    "available",
    "csv_safe",
    "csv_text",
    "from_frame",
    "from_gridstatus",
    "hours_in_year",
    "load_prices",
    "parse_price_spec",
    "read_gridstatus",
    "read_prices",
    "read_table",
    "split_years",
]
