"""Number formatting shared by the HTML report and the Excel workbook.

Every metric carries a *kind* that says how to show it; :func:`format_value` turns a value and
its kind into text, and :data:`EXCEL_FORMATS` gives the matching Excel number format.
"""

from __future__ import annotations

import math
from typing import Literal

from bessfin.finance import metric

Kind = Literal["usd", "usd_k", "usd_m", "pct", "ratio", "usd_per_mwh", "usd_per_kwh", "year",
               "number", "mwh", "text"]

#: Excel number format for each kind (values are written unscaled, in $ or fractions).
EXCEL_FORMATS: dict[str, str] = {
    "usd": '#,##0;[Red]-#,##0',
    "usd_k": '#,##0,;[Red]-#,##0,',
    "usd_m": '#,##0.00,,;[Red]-#,##0.00,,',
    "pct": "0.00%",
    "ratio": '0.00"x"',
    "usd_per_mwh": '#,##0.00',
    "usd_per_kwh": '#,##0.00',
    "year": "0",
    "number": "#,##0.00",
    "mwh": "#,##0",
    "text": "@",
}


def is_missing(value: object) -> bool:
    """True for ``None`` and non-finite floats."""
    if value is None:
        return True
    if isinstance(value, float | int) and not isinstance(value, bool):
        return not math.isfinite(float(value))
    return False


def format_value(value: object, kind: str = "number", missing: str = "n/a") -> str:
    """Text for ``value`` shown as ``kind``.

    Parameters
    ----------
    value
        Number (in $ or as a fraction), text, or ``None``.
    kind
        One of :data:`Kind`: ``usd`` whole dollars, ``usd_k`` thousands, ``usd_m`` millions
        (two decimals), ``pct`` a fraction shown as a percentage, ``ratio`` a coverage ratio
        (``1.35x``), ``usd_per_mwh`` / ``usd_per_kwh`` unit prices, ``year`` an integer,
        ``mwh`` whole MWh, ``number`` two decimals, ``text`` as given.
    missing
        Text for ``None`` and NaN.
    """
    if is_missing(value):
        return missing
    if kind == "text" or isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = _number(float(value), kind)  # type: ignore[arg-type]
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # a value that rounds to zero is shown without a sign
    return text


def _number(x: float, kind: str) -> str:
    if kind == "usd":
        return f"{x:,.0f}"
    if kind == "usd_k":
        return f"{x / 1e3:,.0f}"
    if kind == "usd_m":
        return f"{x / 1e6:,.2f}"
    if kind == "pct":
        return f"{x:.2%}"
    if kind == "ratio":
        return f"{x:.2f}x"
    if kind in ("usd_per_mwh", "usd_per_kwh", "number"):
        return f"{x:,.2f}"
    if kind == "year":
        return f"{x:.0f}"
    if kind == "mwh":
        return f"{x:,.0f}"
    raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(EXCEL_FORMATS)}")


#: Unit shown beside a label for kinds that scale the number (values stay in $).
_SCALED_UNITS = {"usd_k": "$k", "usd_m": "$M"}


def metric_label(name: str) -> str:
    """Catalogue label of metric ``name`` with the unit its format shows, e.g.
    ``Project NPV, after tax [$M]``; fractions and multiples carry no unit."""
    spec = metric(name)
    unit = _SCALED_UNITS.get(spec.format, spec.unit)
    return spec.label if unit in ("fraction", "x") else f"{spec.label} [{unit}]"


def format_metric(name: str, value: object, missing: str = "-") -> str:
    """``value`` of metric ``name`` formatted as the catalogue says."""
    return format_value(value, metric(name).format, missing)
