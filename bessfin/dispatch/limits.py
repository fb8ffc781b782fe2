"""Ancillary-service award limits (market depth): how much of each product a battery may hold.

The LP's award bound becomes ``x[p,t] <= min(omega[p,t] P_avail, L[p,t])`` with
``L[p,t] = f[p,y(t)] * P_nameplate`` (a fraction of the battery's power) or a fixed MW
(``docs/dispatch.md``). Defaults ``f[p,y]`` are the market's depth rows
(:class:`bessfin.markets.Depth`, one per product and year, nearest year outside the data).

Users set limits as ``as_limits``:

- ``"default"`` (or omitted): the market's depth defaults;
- ``None`` or ``"none"``: uncapped, the price-taker ceiling;
- a mapping ``{product: value}`` overriding the defaults for the named products, where a value
  is a fraction of power in [0, 1] (``0.03``), ``{"mw": 10}`` / ``{"fraction": 0.03}`` /
  :class:`Cap`, ``"10MW"``, ``"none"`` (uncapped) or ``"default"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bessfin.common import FiniteFloat
from bessfin.dispatch.series import MarketSeries
from bessfin.markets import Market

DEFAULT: Literal["default"] = "default"


class LimitError(ValueError):
    """A bad ``as_limits`` value; ``reason`` is the message without the offending value."""

    def __init__(self, reason: str, got: object = None):
        self.reason = reason
        super().__init__(reason if got is None else f"{reason}, got {got!r}")


class Cap(BaseModel):
    """A user award limit: a fraction of the battery's power, or megawatts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fraction: FiniteFloat | None = Field(
        None, ge=0, le=1, description="Award limit / battery power_mw [-]."
    )
    mw: FiniteFloat | None = Field(None, ge=0, description="Award limit [MW].")

    @model_validator(mode="after")
    def _one(self) -> Cap:
        if (self.fraction is None) == (self.mw is None):
            raise ValueError("give fraction or mw, exactly one")
        return self

    def mw_for(self, power_mw: float) -> float:
        """The limit in MW for a battery of ``power_mw`` [MW]."""
        return self.mw if self.mw is not None else self.fraction * power_mw  # type: ignore[operator]

    def __str__(self) -> str:
        return f"{self.mw:g} MW" if self.mw is not None else f"{self.fraction:g} x power"


#: What a user may write for one product.
LimitValue = float | int | str | Cap | Mapping | None
#: What a user may write for ``as_limits``.
AsLimits = str | Mapping[str, LimitValue] | None

_MW = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*mw\s*$", re.IGNORECASE)


def parse_limit(product: str, value: LimitValue) -> Cap | None | Literal["default"]:
    """One product's limit as given by a user: a :class:`Cap`, ``None`` (uncapped) or
    ``"default"``. A bare number is a fraction of power in [0, 1]; megawatts need a unit
    (``"10MW"``) or a table (``{"mw": 10}``): numbers are never guessed to be MW."""
    where = f"as_limits.{product}"
    if value is None or isinstance(value, Cap):
        return value
    if isinstance(value, bool):
        raise LimitError(f"{where}: expected a fraction of power, 'NMW', 'none' or 'default'",
                         value)
    if isinstance(value, str):
        return _parse_text(where, value)
    if isinstance(value, int | float):
        return _fraction(where, float(value))
    if isinstance(value, Mapping):
        try:
            return Cap.model_validate(dict(value))
        except ValidationError as e:
            first = e.errors()[0]
            raise LimitError(f"{where}: {first['loc'][0] if first['loc'] else 'limit'}: "
                             f"{first['msg']}", dict(value)) from None
    raise LimitError(f"{where}: unsupported limit", value)


def _fraction(where: str, value: float) -> Cap:
    if not 0 <= value <= 1:
        raise LimitError(f"{where}: {value:g} is not a fraction of power in [0, 1]; write "
                         f"{{mw = {value:g}}} in a deal file or {value:g}MW on the command "
                         "line for megawatts")
    return Cap(fraction=value)


def _parse_text(where: str, value: str) -> Cap | None | Literal["default"]:
    text = value.strip().lower()
    if text in ("none", "uncapped"):
        return None
    if text == DEFAULT:
        return DEFAULT
    m = _MW.match(text)
    if m:
        return Cap(mw=float(m.group(1)))
    try:
        number = float(text)
    except ValueError:
        raise LimitError(f"{where}: expected a fraction of power (0.03), megawatts (10MW), "
                         "'none' or 'default'", value) from None
    return _fraction(where, number)


def normalise(as_limits: AsLimits) -> dict[str, Cap | None | Literal["default"]] | None:
    """``as_limits`` as per-product overrides on the defaults; ``None`` = all uncapped."""
    if as_limits is None:
        return None
    if isinstance(as_limits, str):
        text = as_limits.strip().lower()
        if text in ("none", "uncapped"):
            return None
        if text == DEFAULT:
            return {}
        raise LimitError("as_limits: expected 'default', 'none' or a table of per-product "
                         "limits", as_limits)
    if not isinstance(as_limits, Mapping):
        raise LimitError("as_limits: expected 'default', 'none' or a mapping",
                         type(as_limits).__name__)
    return {str(k): parse_limit(str(k), v) for k, v in as_limits.items()}


def check_products(as_limits: AsLimits, market: Market) -> None:
    """Raise ``ValueError`` naming any product in ``as_limits`` the market does not have."""
    over = normalise(as_limits) or {}
    known = [p.id for p in market.products]
    bad = [k for k in over if k not in known]
    if bad:
        raise LimitError(f"as_limits: {market.name} has no product {bad[0]!r}; its products "
                         f"are {known or 'none (energy only)'}")


@dataclass(frozen=True)
class AppliedLimit:
    """The award limit one product had in one calendar year of a dispatch.

    Attributes
    ----------
    product : product id.
    year : calendar year (local operating days).
    mw : limit [MW]; ``None`` = uncapped.
    fraction : limit / battery power [-]; ``None`` = uncapped or a user MW limit.
    origin : ``"default"``, ``"user"`` or ``"uncapped"``.
    basis : how the number was formed, with status and, for defaults, the depth year used.
    """

    product: str
    year: int
    mw: float | None
    fraction: float | None
    origin: Literal["default", "user", "uncapped"]
    basis: str

    def as_dict(self) -> dict:
        return {"product": self.product, "year": self.year,
                "mw": None if self.mw is None else round(self.mw, 6),
                "fraction": None if self.fraction is None else round(self.fraction, 6),
                "origin": self.origin, "basis": self.basis}


def apply_as_limits(
    series: MarketSeries, power_mw: float, as_limits: AsLimits = DEFAULT
) -> tuple[MarketSeries, list[AppliedLimit], list[str]]:
    """The series with per-hour award limits [MW] set on its products, what was applied, and
    notes (e.g. a year outside the depth data).

    Parameters
    ----------
    series : prices of the horizon.
    power_mw : battery discharge power (nameplate) that fractions multiply [MW].
    as_limits : see the module docstring.
    """
    over = normalise(as_limits)
    check_products(as_limits, series.market)
    years = series.index.tz_convert(series.market.timezone).year.to_numpy()
    present = sorted({int(y) for y in years})
    applied: list[AppliedLimit] = []
    notes: list[str] = []
    products = []
    for ps in series.products:
        pid = ps.id
        choice = DEFAULT if over is None else over.get(pid, DEFAULT)
        if over is None or choice is None:
            limit = None
            applied += [AppliedLimit(pid, y, None, None, "uncapped", "uncapped (ceiling)")
                        for y in present]
        elif isinstance(choice, Cap):
            limit = np.full(len(series), choice.mw_for(power_mw))
            applied += [AppliedLimit(pid, y, float(limit[0]), choice.fraction, "user",
                                     f"user: {choice}") for y in present]
        else:
            limit = np.empty(len(series))
            for y in present:
                try:
                    depth = ps.product.depth_for(y)
                except ValueError as e:
                    raise ValueError(f"{series.market.name}: {e}") from None
                if depth.year != y:
                    notes.append(f"as_limits: {series.market.name} {pid} has no depth data for "
                                 f"{y}; used {depth.year} (nearest year)")
                mw = depth.fraction * power_mw
                limit[years == y] = mw
                applied.append(AppliedLimit(
                    pid, y, mw, depth.fraction, "default",
                    f"{series.market.name} {depth.year} {depth.status}: {depth.basis}",
                ))
        products.append(replace(ps, award_limit_mw=limit))
    return replace(series, products=tuple(products)), applied, notes
