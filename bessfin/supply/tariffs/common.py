"""Shared reading of the shipped duty-schedule files, layer keys and date coercion."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from importlib.resources import files
from typing import Any

#: Canonical duty-layer keys, in reporting order, with display names.
LAYERS: dict[str, str] = {
    "mfn": "MFN",
    "section301": "Section 301",
    "ieepa_fentanyl": "IEEPA fentanyl",
    "ieepa_reciprocal": "IEEPA reciprocal",
    "section122": "Section 122",
    "section232_steel_aluminium": "Section 232 steel/aluminium content",
    "section232_copper": "Section 232 copper",
    "adcvd": "AD/CVD",
}
STATUSES = ("VERIFIED", "DERIVED", "UNCERTAIN", "DISPUTED")
_PARAM = "param:"
_PKG = "bessfin.supply"


def _read_text(name: str) -> str:
    return files(_PKG).joinpath(name).read_text(encoding="utf-8")


def _load_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(_read_text(name))


def to_date(value: date | str) -> date:
    """Coerce a ``date``, ``datetime``/``Timestamp`` or ISO string to ``datetime.date``.

    Parameters
    ----------
    value : date or str
        A date, a datetime (time of day dropped) or an ISO ``YYYY-MM-DD`` string.

    Returns
    -------
    datetime.date
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"date {value!r} is not ISO YYYY-MM-DD") from exc
    raise TypeError(f"expected a date or ISO string, got {type(value).__name__}")
