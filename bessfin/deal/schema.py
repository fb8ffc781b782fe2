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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bessfin.dispatch import (
    AsLimits,
    Augmentation,
    Battery,
    Degradation,
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
)
from bessfin.markets import get_market, markets


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MarketSection(_Section):
    """Where the battery sells and on which prices."""

    iso: str = Field(description="ISO id: ercot, caiso, pjm, spp (shipped prices); nyiso, isone, "
                     "miso (user prices only).")
    node: str = Field(description="Node / hub as the ISO spells it, e.g. HB_HOUSTON, TH_SP15.")
    price_years: tuple[int, ...] = Field(
        min_length=1, description="Shipped historical years, cycled over the project life."
    )
    market: Literal["dam", "rtm"] = Field("dam", description="Day-ahead or real-time prices.")
    escalation: float = Field(0.0, gt=-1, description="Price growth per operating year [-/yr].")
    price_level: float = Field(
        1.0, gt=0, description="Multiplier on all historical prices (a price scenario) [-]."
    )
    horizon: Literal["perfect", "rolling-day", "rolling-week", "month", "day"] = Field(
        "perfect", description="How the schedule is decided (see docs/dispatch.md)."
    )
    forecast: Literal["persistence-day", "persistence-week"] | None = Field(
        None, description="Decide on a persistence forecast, settle on actual prices."
    )
    products: tuple[str, ...] | None = Field(
        None, description="Products to co-optimise; omit for all the data carry, [] for none."
    )
    on_missing: Literal["raise", "drop-days"] = Field(
        "raise", description="Missing prices: refuse, or drop the affected local days."
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

    def horizon_spec(self) -> Horizon:
        return named_horizon(self.horizon, self.forecast)

    def price_path(self) -> PricePath:
        return PricePath(years=self.price_years, escalation=self.escalation,
                         level=self.price_level)


class ProjectSection(_Section):
    """Timeline of the project."""

    life_years: int = Field(20, ge=1, le=50, description="Operating life [yr].")
    boc_date: dt.date = Field(description="Beginning of construction (ITC tiers, MACR, DC).")
    cod: dt.date | None = Field(None, description="Commercial operation date (report only).")


class DealCapex(CapexInputs):
    """Capex build-up; ``dc_block_usd_per_kwh`` may be omitted when ``[supply]`` prices it."""

    dc_block_usd_per_kwh: float | None = Field(  # type: ignore[assignment]
        None, ge=0, description="Cells / DC block incl. containers [$/kWh]; omit with [supply]."
    )
    multiplier: float = Field(
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
    pass_through_45x: float = Field(
        0.0, ge=0, le=1, description="Share of the maker's 45X credit in the price [-]."
    )
    steel_iron_us: bool = Field(True, description="All structural steel/iron is US-made.")


class FinanceSection(_Section):
    """Valuation settings."""

    discount_rate: float = Field(0.08, gt=-1, description="NPV and LCOS rate [-/yr].")


class LenderSection(_Section):
    """Bankability criteria, each checked pass/fail with a reason."""

    min_dscr: float | None = Field(None, gt=0, description="Minimum DSCR in the base case [-].")
    max_merchant_share: float | None = Field(
        None, ge=0, le=1, description="Maximum merchant share of revenue over the debt tenor [-]."
    )
    downside_revenue_factor: float = Field(
        0.75, gt=0, le=1,
        description="Merchant revenue in the downside case as a share of base [-] (P90 proxy).",
    )
    downside_min_dscr: float | None = Field(
        None, gt=0, description="Minimum DSCR in the downside case, same debt [-]."
    )
    min_equity_irr: float | None = Field(None, description="Minimum after-tax equity IRR [-].")


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
        if any(y > self.project.life_years for y in self.augmentation.years):
            raise ValueError(f"augmentation.years {self.augmentation.years} must be within "
                             f"project.life_years ({self.project.life_years})")
        return self


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


def format_errors(e: ValidationError, source: str) -> str:
    """One line per problem: ``source: key.path: what is wrong, got value``."""
    lines = []
    for err in e.errors():
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
        got = "" if err["type"] == "missing" else f", got {err.get('input')!r}"
        if err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{source}: {path}: {msg}{got}")
    return "\n".join(lines)


def deal_from_dict(data: dict[str, Any], source: str = "deal") -> Deal:
    """Validate a deal given as a dict; raise :class:`DealError` listing every problem."""
    try:
        return Deal.model_validate(data)
    except ValidationError as e:
        raise DealError(format_errors(e, source)) from None


def load_deal(path: str | Path) -> Deal:
    """Read and validate a deal TOML file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise DealError(f"{path}: no such deal file") from None
    except tomllib.TOMLDecodeError as e:
        raise DealError(f"{path}: not valid TOML: {e}") from None
    return deal_from_dict(data, str(path))


def deal_schema() -> dict[str, Any]:
    """JSON Schema of a deal file."""
    return Deal.model_json_schema()
