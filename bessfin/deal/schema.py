"""A deal: one TOML file describing a battery project, validated with readable errors.

Sections reuse the models of the layers they feed (``battery`` is a
:class:`~bessfin.dispatch.Battery`, ``opex`` an :class:`~bessfin.finance.OpexInputs`, ...), so a
field means the same thing everywhere. ``bessfin schema`` prints the JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bessfin.common import FiniteFloat, StrictInt
from bessfin.dispatch import (
    AsLimits,
    Augmentation,
    Battery,
    Degradation,
    ForwardCurve,
    Horizon,
    LimitError,
    PricePath,
    check_products,
    named_horizon,
    normalise,
)
from bessfin.finance import (
    CapexInputs,
    ContractInputs,
    DebtInputs,
    ItcInputs,
    OpexInputs,
    TaxInputs,
    contract_problems,
    convention_conflicts,
)
from bessfin.markets import get_market, markets


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Path keys of a deal file resolved against the deal file's folder.
PATH_KEYS = ("price_file", "as_price_file", "forecast_file", "rt_price_file")


class ForwardCurveSection(_Section):
    """``[market.forward_curve]``: energy and ancillary price paths per operating year, inline
    or from a CSV file with columns ``year`` (1, 2, ...), ``energy``, ``ancillary``."""

    kind: Literal["multiplier", "level"] = Field(
        "multiplier", description="Values are multipliers [-] or annual mean prices "
        "(energy $/MWh, ancillary $/MW-h).")
    energy: tuple[FiniteFloat, ...] | None = Field(None, description="Per operating year.")
    ancillary: tuple[FiniteFloat, ...] | None = Field(None, description="Per operating year.")
    file: str | None = Field(None, description="CSV with year, energy and/or ancillary.")

    @model_validator(mode="after")
    def _one_source(self) -> ForwardCurveSection:
        if self.file is not None and (self.energy is not None or self.ancillary is not None):
            raise ValueError("give the curve inline (energy/ancillary) or as file, not both")
        if self.file is None and self.energy is None and self.ancillary is None:
            raise ValueError("a forward curve needs energy, ancillary or file")
        return self

    def curve(self) -> ForwardCurve:
        """The validated curve (reads ``file``)."""
        if self.file is None:
            return ForwardCurve(kind=self.kind, energy=self.energy, ancillary=self.ancillary)
        return read_forward_curve(self.file, self.kind)


def read_forward_curve(path: str, kind: str) -> ForwardCurve:
    """A forward curve CSV: ``year`` = 1..N in order, ``energy`` and/or ``ancillary``."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such forward curve file") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    cols = [c for c in ("energy", "ancillary") if c in df.columns]
    if "year" not in df.columns or not cols:
        raise ValueError(f"{path}: expected columns year and energy and/or ancillary, got "
                         f"{list(df.columns)}")
    years = pd.to_numeric(df["year"], errors="coerce")
    expected = list(range(1, len(df) + 1))
    if years.tolist() != expected:
        bad = next(i for i, (a, b) in enumerate(zip(years, expected, strict=True)) if a != b)
        raise ValueError(f"{path}: row {bad + 2}: year {df['year'].iloc[bad]}; expected "
                         f"operating years 1, 2, ... in order")
    values = {}
    for c in cols:
        v = pd.to_numeric(df[c], errors="coerce")
        if v.isna().any() or (v <= 0).any():
            bad = int(np.flatnonzero(v.isna() | (v <= 0))[0])
            raise ValueError(f"{path}: row {bad + 2}: {c} = {df[c].iloc[bad]}; expected a "
                             "number > 0")
        values[c] = tuple(float(x) for x in v)
    return ForwardCurve(kind=kind, source=path, **values)  # type: ignore[arg-type]


#: Foresight settings of a deal: what the schedule is decided on.
Foresight = Literal["perfect", "persistence-day", "persistence-week", "file"]


class MarketSection(_Section):
    """Where the battery sells and on which prices."""

    iso: str = Field(description="ISO id: ercot, caiso, pjm, spp (shipped prices); nyiso, isone, "
                     "miso (user prices only).")
    node: str = Field(description="Node / hub as the ISO spells it, e.g. HB_HOUSTON, TH_SP15.")
    price_years: tuple[StrictInt, ...] = Field(
        min_length=1, description="Historical price years: scenarios averaged per operating "
        "year (price_path = 'mean') or cycled ('cycle')."
    )
    price_path: Literal["mean", "cycle"] = Field(
        "mean", description="Each operating year takes the mean revenue over the price years "
        "('mean'), or the price years alternate over the life ('cycle')."
    )
    price_file: str | None = Field(
        None, description="Own prices: CSV/Parquet (bessfin layout, docs/data.md) or a "
        "gridstatus LMP export (price_format = 'gridstatus'); omit for the shipped data."
    )
    price_format: Literal["bessfin", "gridstatus"] = Field(
        "bessfin", description="Layout of price_file.")
    as_price_file: str | tuple[str, ...] | None = Field(
        None, description="gridstatus ancillary-service price export (with price_format = "
        "'gridstatus'), or a list of them: one file per gridstatus AS frame (e.g. ISO-NE "
        "regulation and reserves; each product from one file only).")
    reserve_zone: str | None = Field(
        None, description="Reserve zone to keep from as_price_file frames that carry one row "
        "per zone: a label as the frame spells it (ISO-NE '7001', MISO 'Zone 1') or a reserve "
        "zone of the market data (docs/markets.md). Omit: the zone labelled like or holding "
        "node; several zones and none chosen is an error (docs/data.md).")
    price_column: str | None = Field(
        None, description="Energy price column of price_file (and forecast_file) when it has "
        "several candidates (e.g. price and lmp); never guessed (docs/data.md).")
    market: Literal["dam", "rtm"] = Field("dam", description="Day-ahead or real-time prices.")
    escalation: FiniteFloat = Field(
        0.0, gt=-1, description="Price growth per operating year [-/yr]."
    )
    price_level: FiniteFloat = Field(
        1.0, gt=0, description="Multiplier on all historical prices (a price scenario) [-]."
    )
    forward_curve: ForwardCurveSection | None = Field(
        None, description="Energy and ancillary price paths per operating year.")
    foresight: Foresight = Field(
        "persistence-day", description="What the schedule is decided on: 'perfect' (actual "
        "prices), a persistence forecast (prices published before the decision), or 'file' "
        "(forecast_file); always settled at actual prices. Default persistence-day: a deal "
        "is not valued on prices nobody knows when bidding (docs/deals.md)."
    )
    forecast_file: str | None = Field(
        None, description="Forecast prices with the price columns (foresight = 'file').")
    horizon: Literal["perfect", "perfect-rolling-day", "perfect-rolling-week", "perfect-month",
                     "perfect-day", "rolling-day", "rolling-week", "month", "day"] = Field(
        "perfect", description="Decision windows. With foresight = 'perfect' every choice is "
        "perfect foresight (over the year or each window); with a forecast, 'perfect' means "
        "daily windows with 24 h lookahead (docs/dispatch.md)."
    )
    products: tuple[str, ...] | None = Field(
        None, description="Products to co-optimise; omit for all the data carry, [] for none."
    )
    on_missing: Literal["raise", "drop-days"] = Field(
        "raise", description="Missing prices: refuse, or drop the affected local days."
    )
    settlement: Literal["da", "da+rt"] = Field(
        "da", description="'da': the schedule settles at day-ahead prices; 'da+rt': every "
        "operating year is a day-ahead schedule plus a real-time re-dispatch around its awards "
        "(two-settlement), and the pro forma carries the DA+RT revenue; the revenue ladder "
        "shows DA-only, DA+RT and the RT uplift (docs/lifetime.md). Needs real-time prices: "
        "shipped (ERCOT 2024-25, PJM 2022-24) or rt_price_file.")
    rt_foresight: Literal["hour-ahead", "perfect", "persistence"] = Field(
        "hour-ahead", description="Real-time re-dispatch information. 'hour-ahead' (the base): "
        "each RT interval decided on its own RT price (a price-responsive offer clears at it) "
        "and the DA prices of the rest of the day, ending the day with at least the DA "
        "schedule's stored energy; 'perfect': the actual RT prices (the ceiling); "
        "'persistence': the previous day's RT prices (a naive strategy that loses money on "
        "the shipped data). docs/dispatch.md.")
    rt_price_file: str | None = Field(
        None, description="Own real-time energy prices (any regular interval, same layout "
        "as price_file) for settlement = 'da+rt'; omit for the shipped RT files.")
    partial_year: Literal["refuse", "annualise"] = Field(
        "refuse", description="A price year that covers less than its calendar year (a partial "
        "file such as the shipped SPP Feb-Mar 2022, or days dropped by on_missing): refuse "
        "(default), or 'annualise' its revenue and throughput by hours_in_year / hours_used "
        "(reported in every output)."
    )
    as_limits: str | dict[str, Any] = Field(
        "default",
        description="Ancillary award limits (market depth): 'default' = the market's depth "
        "defaults by product and year (docs/markets.md); 'none' = uncapped (the price-taker "
        "ceiling); or a table overriding products, e.g. { reg_up = 0.03, rrs = { mw = 10 }, "
        "ecrs = \"none\" }: a number is a fraction of battery power in [0, 1].",
    )

    @field_validator("as_limits")
    @classmethod
    def _limits(cls, v: str | dict[str, Any], info: ValidationInfo) -> str | dict[str, Any]:
        try:
            normalise(v)
            iso = info.data.get("iso")
            if iso is not None and iso.strip().lower() in markets():
                check_products(v, get_market(iso))
        except LimitError as e:
            raise ValueError(e.reason) from None  # the error line adds the value itself
        return v

    def as_limits_spec(self) -> AsLimits:
        """``as_limits`` as :func:`bessfin.dispatch` takes it."""
        return self.as_limits

    @field_validator("as_price_file")
    @classmethod
    def _as_files(cls, v: str | tuple[str, ...] | None) -> str | tuple[str, ...] | None:
        if isinstance(v, tuple) and not v:
            raise ValueError("give one or more files, or omit as_price_file")
        return v

    @field_validator("reserve_zone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("expected a zone name, got an empty string")
        return v

    @property
    def as_price_files(self) -> tuple[str, ...]:
        """``as_price_file`` as a tuple of paths (empty when omitted)."""
        v = self.as_price_file
        return () if v is None else (v,) if isinstance(v, str) else tuple(v)

    @model_validator(mode="before")
    @classmethod
    def _former_forecast_key(cls, data: Any) -> Any:
        """``forecast = "persistence-day"`` (former key) means ``foresight``."""
        if isinstance(data, dict) and "forecast" in data:
            data = dict(data)
            old = data.pop("forecast")
            if "foresight" in data:
                raise ValueError("give foresight, not also the former key forecast")
            data["foresight"] = "perfect" if old is None else old
        return data

    @model_validator(mode="after")
    def _consistent(self) -> MarketSection:
        if (self.foresight == "file") != (self.forecast_file is not None):
            raise ValueError("foresight = 'file' and forecast_file go together")
        if self.as_price_file is not None and self.price_format != "gridstatus":
            raise ValueError("as_price_file needs price_format = 'gridstatus'")
        if self.price_format == "gridstatus" and self.price_file is None:
            raise ValueError("price_format = 'gridstatus' needs price_file")
        if self.reserve_zone is not None and self.price_format != "gridstatus":
            raise ValueError("reserve_zone needs price_format = 'gridstatus' (it picks one "
                             "zone's rows of gridstatus AS frames)")
        if self.reserve_zone is not None and self.as_price_file is None:
            raise ValueError("reserve_zone needs as_price_file (the AS frames it picks a zone "
                             "of)")
        if self.settlement == "da+rt" and self.market != "dam":
            raise ValueError("settlement = 'da+rt' needs market = 'dam' (the day-ahead leg)")
        if self.rt_price_file is not None and self.settlement != "da+rt":
            raise ValueError("rt_price_file needs settlement = 'da+rt'")
        if self.price_column is not None and (self.price_file is None
                                              or self.price_format != "bessfin"):
            raise ValueError("price_column applies to a price_file in the bessfin layout (a "
                             "gridstatus export's price is its LMP column)")
        if self.forward_curve is not None and self.escalation != 0:
            raise ValueError("give escalation or a forward_curve, not both (the curve sets "
                             "each operating year's prices)")
        return self

    @property
    def forecast_name(self) -> str | None:
        """The dispatch forecast name (``None`` = perfect foresight)."""
        return {"perfect": None, "file": "user"}.get(self.foresight, self.foresight)

    def horizon_spec(self) -> Horizon:
        return named_horizon(self.horizon, self.forecast_name)

    def price_path_spec(self) -> PricePath:
        return PricePath(
            years=self.price_years, escalation=self.escalation, level=self.price_level,
            combine=self.price_path,
            curve=None if self.forward_curve is None else self.forward_curve.curve(),
        )

    def price_source(self) -> str:
        """Where the deal's prices come from, for reports."""
        years = sorted(set(self.price_years))
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}" if (
            years == list(range(years[0], years[-1] + 1))) else ", ".join(map(str, years))
        if self.price_file is None:
            return f"shipped {self.iso.upper()} {span} {self.market.upper()} {self.node}"
        extra = "".join(f" + {f}" for f in self.as_price_files)
        kind = " (gridstatus export)" if self.price_format == "gridstatus" else ""
        zone = f", reserve zone {self.reserve_zone}" if self.reserve_zone else ""
        return f"{self.price_file}{extra}{kind}: {self.iso.upper()} {self.node}{zone}, {span}"


class ProjectSection(_Section):
    """Timeline of the project."""

    life_years: StrictInt = Field(20, ge=1, le=50, description="Operating life [yr].")
    boc_date: dt.date = Field(description="Beginning of construction (ITC tiers, MACR, DC).")
    cod: dt.date | None = Field(None, description="Commercial operation date (report only).")


class DealCapex(CapexInputs):
    """Capex build-up; ``dc_block_usd_per_kwh`` may be omitted when ``[supply]`` prices it."""

    dc_block_usd_per_kwh: FiniteFloat | None = Field(  # type: ignore[assignment]
        None, ge=0, description="Cells / DC block incl. containers [$/kWh]; omit with [supply]."
    )
    multiplier: FiniteFloat = Field(
        1.0, gt=0, description="Scenario multiplier on every capex line, a supply-priced DC "
        "block included [-]."
    )


class SupplySection(_Section):
    """Where the DC block comes from: prices it (landed + duties - 45X) and feeds the ITC's
    domestic-content and MACR tests."""

    option: str = Field(description="Supply option, e.g. china-import, fully-domestic.")
    import_date: dt.date | None = Field(
        None, description="Date of entry for duties; default the beginning of construction."
    )
    tariff_scenario: str = Field("current-law", description="Tariff scenario name.")
    pass_through_45x: FiniteFloat = Field(
        0.0, ge=0, le=1, description="Share of the maker's 45X credit in the price [-]."
    )
    steel_iron_us: bool = Field(True, description="All structural steel/iron is US-made.")


class FinanceSection(_Section):
    """Valuation settings."""

    discount_rate: FiniteFloat = Field(0.08, gt=-1, description="NPV and LCOS rate [-/yr].")
    conventions: Literal["bessfin", "sam"] = Field(
        "bessfin", description="Tax conventions: 'bessfin' (the [tax] section as given) or 'sam' "
        "(NREL SAM Single Owner's: losses used as they arise, ITC used directly in year 1; "
        "see docs/finance.md).")
    hurdle: float | None = Field(
        None, gt=-1,
        description="Equity hurdle rate for the investment view [-/yr]; default the discount "
        "rate.",
    )

    @property
    def hurdle_rate(self) -> float:
        """The equity hurdle [-/yr]: ``hurdle`` if set, else ``discount_rate``."""
        return self.discount_rate if self.hurdle is None else self.hurdle


class LenderSection(_Section):
    """Bankability criteria, each checked pass/fail with a reason; none set: not assessed."""

    min_dscr: FiniteFloat | None = Field(
        None, gt=0, description="Minimum DSCR in the base case [-]."
    )
    max_merchant_share: FiniteFloat | None = Field(
        None, ge=0, le=1, description="Maximum merchant share of revenue over the debt tenor [-]."
    )
    downside_revenue_factor: FiniteFloat = Field(
        0.75, gt=0, le=1,
        description="Merchant revenue in the downside case as a share of base [-] (P90 across "
        "price years is checked separately when the deal has two or more).",
    )
    downside_min_dscr: FiniteFloat | None = Field(
        None, gt=0, description="Minimum DSCR in the downside case, same debt [-]."
    )
    min_equity_irr: FiniteFloat | None = Field(
        None, description="Minimum after-tax equity IRR [-]."
    )


class Deal(_Section):
    """One battery project: technology, market, contracts, costs, supply, tax and debt."""

    name: str = Field(description="Deal name.")
    description: str = ""
    battery: Battery
    market: MarketSection
    project: ProjectSection
    degradation: Degradation = Field(default_factory=Degradation)
    augmentation: Augmentation = Field(default_factory=Augmentation)
    capex: DealCapex
    opex: OpexInputs
    supply: SupplySection | None = None
    itc: ItcInputs
    tax: TaxInputs = Field(default_factory=TaxInputs)
    debt: DebtInputs | None = None
    contracts: ContractInputs = Field(default_factory=ContractInputs)
    finance: FinanceSection = Field(default_factory=FinanceSection)
    lender: LenderSection = Field(default_factory=LenderSection)

    @model_validator(mode="before")
    @classmethod
    def _itc_dates(cls, data: Any) -> Any:
        """The ITC's beginning-of-construction date is the project's unless given."""
        if isinstance(data, dict) and isinstance(data.get("project"), dict) and "itc" in data:
            boc = data["project"].get("boc_date")
            itc = data["itc"]
            if boc is not None and isinstance(itc, dict) and "boc_date" not in itc:
                data = {**data, "itc": {**itc, "boc_date": boc}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Deal:
        if (self.capex.dc_block_usd_per_kwh is None) == (self.supply is None):
            raise ValueError(
                "capex.dc_block_usd_per_kwh: give it, or a [supply] section that prices the DC "
                "block, exactly one of the two"
            )
        if self.debt is not None and self.debt.tenor_years > self.project.life_years:
            raise ValueError(f"debt.tenor_years ({self.debt.tenor_years}) must be <= "
                             f"project.life_years ({self.project.life_years})")
        clash = convention_conflicts(self.tax, self.finance.conventions)
        if clash:
            raise ValueError("finance.conventions: " + "; ".join(clash)
                             + ": remove the [tax] key or the preset")
        problems = contract_problems(self.contracts, self.battery.power_mw,
                                     self.project.life_years)
        if problems:
            raise ValueError("; ".join(problems))
        if any(y > self.project.life_years for y in self.augmentation.years):
            raise ValueError(f"augmentation.years {self.augmentation.years} must be within "
                             f"project.life_years ({self.project.life_years})")
        return self

    # -- the notebook face: build, vary and export a deal ------------------------------

    @classmethod
    def from_toml(cls, path: str | Path) -> Deal:
        """Read and validate a deal TOML file (:class:`DealError` lists every problem)."""
        return load_deal(path)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "deal") -> Deal:
        """Validate a deal given as a nested dict, as the TOML file would parse."""
        return deal_from_dict(data, source)

    def to_dict(self) -> dict[str, Any]:
        """The deal as a nested JSON-safe dict (``Deal.from_dict(d.to_dict()) == d``)."""
        return self.model_dump(mode="json", exclude_unset=True)

    def replace(self, changes: dict[str, Any] | None = None, /, **kw: Any) -> Deal:
        """A variant of this deal, validated.

        Changes are dotted key paths (``d.replace(**{"battery.power_mw": 50})``) or nested
        sections merged into the deal (``d.replace(battery={"power_mw": 50})``); both may be
        mixed. Setting ``battery.round_trip_efficiency`` replaces the one-way efficiencies,
        and a new ``project.boc_date`` moves the ITC's date with it unless that is given too.
        """
        flat: dict[str, Any] = {}

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict) and value:
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            else:
                flat[prefix] = value

        for k, v in {**(changes or {}), **kw}.items():
            walk(k, v)
        data = self.to_dict()
        if "battery.round_trip_efficiency" in flat:
            for k in ("charge_efficiency", "discharge_efficiency"):
                data["battery"].pop(k, None)
        if "project.boc_date" in flat and "itc.boc_date" not in flat:
            if data["itc"].get("boc_date") == data["project"]["boc_date"]:
                data["itc"].pop("boc_date")
        for path, value in flat.items():
            set_path(data, path, value)
        return deal_from_dict(data, source=f"{self.name} (replace)")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """``data["a"]["b"] = value`` for ``path = "a.b"`` (missing sections are created); used by
    :meth:`Deal.replace` and by portfolio rows (``bessfin.screen``)."""
    parts = path.split(".")
    if not all(parts):
        raise DealError(f"{path!r}: not a dotted key path")
    current = data
    for i, part in enumerate(parts[:-1]):
        nxt = current.get(part)
        if nxt is None:
            nxt = current[part] = {}
        elif not isinstance(nxt, dict):
            raise DealError(f"{path}: {'.'.join(parts[: i + 1])} is a value, not a section")
        current = nxt
    current[parts[-1]] = value


class DealError(ValueError):
    """A deal file or dict that does not validate; the message lists every problem."""


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model at ``loc``, for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        current = candidates[0] if candidates else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


_PLAIN = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "literal_error": "must be one of {expected}",
}


#: Problems listed in one error message; the rest are counted.
MAX_PROBLEMS = 20


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_errors(e: ValidationError | None, source: str, *, more: int = 0,
                  first: list[str] = ()) -> str:  # type: ignore[assignment]
    """One line per problem: ``source: key.path: what is wrong, got value``; the first
    :data:`MAX_PROBLEMS` problems, then a count of the others (``more`` unknown keys were
    removed before validation; ``first`` lists unknown keys when ``e`` is None)."""
    lines = [f"{source}: {k}: unknown key" for k in first[:MAX_PROBLEMS]]
    errors = e.errors() if e is not None else []
    total = len(errors) + more
    for err in errors[:MAX_PROBLEMS]:
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        path = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            known = _fields_at(Deal, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else (
                f"; known keys: {', '.join(known)}" if known else "")
            lines.append(f"{source}: {path}: unknown key{hint}")
            continue
        ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in err.get("ctx", {}).items()}
        msg = _PLAIN.get(err["type"], "").format(**ctx) or err["msg"].removeprefix("Value error, ")
        got = "" if err["type"] == "missing" else f", got {_shown(err.get('input'))}"
        if err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{source}: {path}: {msg}{got}")
    lines = lines[:MAX_PROBLEMS]
    if total > len(lines):
        lines.append(f"{source}: ... and {total - len(lines)} more problems ({total} in all)")
    return "\n".join(lines)


def _prune_unknown(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``data`` without the unknown keys of any table (top level or section) that has more
    than :data:`MAX_PROBLEMS` of them, beyond the first :data:`MAX_PROBLEMS`, and the dotted
    paths removed: a file with 700,000 unknown keys must not build 700,000 messages.

    A key a section accepts through a validator rather than a field (``battery``'s
    ``round_trip_efficiency``) that comes after more than that many unknown keys of its
    table is removed too; the message then counts it among the unknown keys."""

    def excess(keys: list[Any], known: list[str]) -> list[Any]:
        unknown = [k for k in keys if k not in known]
        return unknown[MAX_PROBLEMS:] if len(unknown) > MAX_PROBLEMS else []

    removed: list[str] = []
    top = excess(list(data), list(Deal.model_fields))
    if top:
        drop = set(top)
        data = {k: v for k, v in data.items() if k not in drop}
        removed += [str(k) for k in top]
    for k, v in list(data.items()):
        if k in Deal.model_fields and isinstance(v, dict):
            extra = excess(list(v), _fields_at(Deal, (k,)) or list(v))
            if extra:
                drop = set(extra)
                data = {**data, k: {s: x for s, x in v.items() if s not in drop}}
                removed += [f"{k}.{s}" for s in extra]
    return data, removed


def deal_from_dict(data: dict[str, Any], source: str = "deal") -> Deal:
    """Validate a deal given as a dict; raise :class:`DealError` listing the problems (the
    first :data:`MAX_PROBLEMS`, then a count)."""
    removed: list[str] = []
    if isinstance(data, dict):
        data, removed = _prune_unknown(data)
    try:
        deal = Deal.model_validate(data)
    except ValidationError as e:
        raise DealError(format_errors(e, source, more=len(removed))) from None
    if removed:
        raise DealError(format_errors(None, source, more=len(removed), first=removed))
    return deal



def read_toml_file(path: str | Path, what: str = "deal file") -> dict[str, Any]:
    """A TOML file as a dict; every failure (missing, a directory, unreadable, not UTF-8,
    not TOML, nested too deeply) is a one-line :class:`DealError` naming the file."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DealError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise DealError(f"{path}: is a directory; expected a {what} (.toml)") from None
    except OSError as e:
        raise DealError(f"{path}: cannot read {what}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise DealError(f"{path}: not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise DealError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise DealError(f"{path}: nested too deeply to read; a {what} is a few tables "
                        "deep") from None


def load_deal(path: str | Path) -> Deal:
    """Read and validate a deal TOML file."""
    data = read_toml_file(path, "deal file")
    try:
        return deal_from_dict(resolve_paths(data, Path(path).parent), str(path))
    except RecursionError:
        raise DealError(f"{path}: nested too deeply to validate") from None


def resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """File names in ``[market]`` (and its forward curve) relative to ``base``."""
    market = data.get("market")
    if not isinstance(market, dict):
        return data
    market = dict(market)
    for key in PATH_KEYS:
        if isinstance(market.get(key), str):
            market[key] = str(base / market[key])
        elif isinstance(market.get(key), list):  # as_price_file: several files
            market[key] = [str(base / f) if isinstance(f, str) else f for f in market[key]]
    curve = market.get("forward_curve")
    if isinstance(curve, dict) and isinstance(curve.get("file"), str):
        market["forward_curve"] = {**curve, "file": str(base / curve["file"])}
    return {**data, "market": market}


def deal_schema() -> dict[str, Any]:
    """JSON Schema of a deal file."""
    return Deal.model_json_schema()
