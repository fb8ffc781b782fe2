"""The one catalogue of pro forma lines: name, section, sign, unit, how it sums, home sheet.

:func:`bessfin.finance.build_pro_forma` emits exactly these lines, in this order (a line not in
the catalogue is an error), and the Excel writer reads from here where each line lives and
which lines it is the sum of. Code outside ``finance/`` finds lines through the accessors and
constants below, never by matching name prefixes.

Sign convention (docs/finance.md): cash lines are signed as the owner sees them, inflows
positive (``sign`` +1), outflows negative (``sign`` -1); ``sign`` 0 is a net line (either
sign) or a memo line (not cash).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Sections in order, with the Excel sheet their lines live on.
SECTIONS: dict[str, str] = {
    "revenue": "Revenue",
    "opex": "Opex",
    "capex": "Capex",
    "cash flow": "Cash flow",
    "debt": "Debt",
    "tax": "Tax & ITC",
    "unlevered": "Cash flow",
    "memo": "Tax & ITC",
}

#: Units of lines, with their display kind (see :mod:`bessfin.report.fmt`).
UNIT_KINDS: dict[str, str] = {"$": "usd", "x": "ratio", "fraction": "pct", "MWh": "mwh"}

SECTION_SUM = ("*",)  # ``terms`` of a section total: every other line of its section


@dataclass(frozen=True)
class Sum:
    """How a derived line adds up (by the sign convention, every term with a + sign).

    Attributes
    ----------
    terms : the lines added, or :data:`SECTION_SUM` for every other line of the section.
    year0 : the lines added in year 0 when they differ from ``terms`` (``()``: zero).
    """

    terms: tuple[str, ...]
    year0: tuple[str, ...] | None = None

    def terms_for(self, year: int) -> tuple[str, ...]:
        """The lines added in project year ``year``."""
        return self.year0 if (year == 0 and self.year0 is not None) else self.terms


@dataclass(frozen=True)
class LineSpec:
    """One pro forma line (``name`` ending in ``{}`` is a family, e.g. one per stream).

    Attributes
    ----------
    name : line name, or family pattern.
    section : one of :data:`SECTIONS`.
    sign : +1 inflow, -1 outflow, 0 net or not cash.
    unit : ``"$"``, ``"MWh"``, ``"fraction"`` or ``"x"``.
    sums : how the line adds up from others; None for a line computed in its section.
    sheet : Excel sheet the line's numbers live on.
    """

    name: str
    section: str
    sign: int
    unit: str
    sums: Sum | None
    sheet: str

    @property
    def kind(self) -> str:
        """Display kind of the line's numbers."""
        return UNIT_KINDS[self.unit]

    @property
    def is_memo(self) -> bool:
        """True for memo lines (not cash)."""
        return self.section == "memo"

    @property
    def is_family(self) -> bool:
        """True for a pattern naming one line per member (``revenue: merchant {}``)."""
        return self.name.endswith("{}")


def _line(name: str, section: str, sign: int, unit: str = "$", sums: Sum | None = None,
          sheet: str | None = None) -> LineSpec:
    return LineSpec(name, section, sign, unit, sums, sheet or SECTIONS[section])


REVENUE_MERCHANT = "revenue: merchant {}"
REVENUE_TOTAL = "revenue: total"
OPEX_TOTAL = "opex: total"
EBITDA = "EBITDA"
CAPEX_TOTAL = "capex: total"
CFADS = "CFADS"
DEBT_DRAWDOWN = "debt: drawdown"
DEBT_FEE = "debt: upfront fee"
DEBT_INTEREST = "debt: interest"
DEBT_PRINCIPAL = "debt: principal"
DEBT_SERVICE = "debt service"
EQUITY_PRE_TAX = "cash flow to equity (pre-tax)"
TAX_STATE = "tax: state"
TAX_FEDERAL = "tax: federal"
ITC_TRANSFER = "ITC: transfer proceeds"
ITC_USED = "ITC: used against tax"
EQUITY = "cash flow to equity"
UNLEVERED_PRE_TAX = "unlevered pre-tax cash flow"
UNLEVERED_AFTER_TAX = "unlevered after-tax cash flow"
DSCR = "memo: DSCR"
TARGET_DSCR = "memo: target DSCR"

_S = _line
#: Every pro forma line, in the order of :attr:`bessfin.finance.ProForma.annual`.
LINE_SPECS: tuple[LineSpec, ...] = (
    _S(REVENUE_MERCHANT, "revenue", +1),
    _S("revenue: floor top-up", "revenue", +1),
    _S("revenue: floor upside paid", "revenue", -1),
    _S("revenue: tolling", "revenue", +1),
    _S("revenue: resource adequacy", "revenue", +1),
    _S(REVENUE_TOTAL, "revenue", +1, sums=Sum(SECTION_SUM)),
    _S("opex: fixed O&M", "opex", -1),
    _S("opex: variable O&M", "opex", -1),
    _S("opex: property tax", "opex", -1),
    _S("opex: insurance", "opex", -1),
    _S("opex: land lease", "opex", -1),
    _S("opex: augmentation (expensed)", "opex", -1),
    _S(OPEX_TOTAL, "opex", -1, sums=Sum(SECTION_SUM)),
    _S(EBITDA, "cash flow", 0, sums=Sum((REVENUE_TOTAL, OPEX_TOTAL))),
    _S("capex: cells / DC block", "capex", -1),
    _S("capex: PCS", "capex", -1),
    _S("capex: BOS", "capex", -1),
    _S("capex: EPC", "capex", -1),
    _S("capex: interconnection", "capex", -1),
    _S("capex: development", "capex", -1),
    _S("capex: augmentation (capitalised)", "capex", -1),
    _S(CAPEX_TOTAL, "capex", -1, sums=Sum(SECTION_SUM)),
    _S(CFADS, "cash flow", 0, sums=Sum((EBITDA, CAPEX_TOTAL), year0=())),
    _S(DEBT_DRAWDOWN, "debt", +1),
    _S(DEBT_FEE, "debt", -1),
    _S(DEBT_INTEREST, "debt", -1),
    _S(DEBT_PRINCIPAL, "debt", 0),  # sculpted: negative principal where service < interest
    _S(DEBT_SERVICE, "debt", -1, sums=Sum((DEBT_INTEREST, DEBT_PRINCIPAL))),
    _S(EQUITY_PRE_TAX, "cash flow", 0, sums=Sum(
        (CFADS, DEBT_SERVICE), year0=(CAPEX_TOTAL, DEBT_DRAWDOWN, DEBT_FEE))),
    _S(TAX_STATE, "tax", -1),
    _S(TAX_FEDERAL, "tax", -1),
    _S(ITC_TRANSFER, "tax", +1),
    _S(ITC_USED, "tax", +1),
    _S(EQUITY, "cash flow", 0, sums=Sum(
        (EQUITY_PRE_TAX, TAX_STATE, TAX_FEDERAL, ITC_TRANSFER, ITC_USED))),
    _S(UNLEVERED_PRE_TAX, "unlevered", 0, sums=Sum((CFADS,), year0=(CAPEX_TOTAL,))),
    _S("unlevered tax: state", "unlevered", -1),
    _S("unlevered tax: federal", "unlevered", -1),
    _S("unlevered ITC", "unlevered", +1),
    _S(UNLEVERED_AFTER_TAX, "unlevered", 0, sums=Sum(
        (UNLEVERED_PRE_TAX, "unlevered tax: state", "unlevered tax: federal", "unlevered ITC"))),
    _S("memo: discharged MWh", "memo", 0, "MWh", sheet="Revenue"),
    _S("memo: tolled share", "memo", 0, "fraction", sheet="Revenue"),
    _S("memo: contracted revenue", "memo", 0, sheet="Revenue"),
    _S("memo: merchant revenue at risk", "memo", 0, sheet="Revenue"),
    _S("memo: sizing CFADS", "memo", 0, sheet="Debt"),
    _S(TARGET_DSCR, "memo", 0, "x", sheet="Debt"),
    _S(DSCR, "memo", 0, "x", sheet="Debt"),
    _S("memo: debt balance (closing)", "memo", 0, sheet="Debt"),
    _S("memo: tax depreciation", "memo", 0),
    _S("memo: taxable income", "memo", 0),
    _S("memo: federal taxable income", "memo", 0),
    _S("memo: NOL federal (closing)", "memo", 0),
    _S("memo: ITC generated", "memo", 0),
    _S("memo: ITC carryforward (closing)", "memo", 0),
)

_BY_NAME: dict[str, LineSpec] = {s.name: s for s in LINE_SPECS}
_FAMILIES: tuple[LineSpec, ...] = tuple(s for s in LINE_SPECS if s.is_family)


def merchant_line(stream: str) -> str:
    """Name of the revenue line of merchant stream ``stream``."""
    return REVENUE_MERCHANT.format(stream)


def _member(spec: LineSpec, name: str) -> str | None:
    head = spec.name[:-2]
    return name[len(head):] if name.startswith(head) and len(name) > len(head) else None


def line_spec(name: str) -> LineSpec:
    """The catalogue entry of line ``name`` (a family's entry for a member)."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    for fam in _FAMILIES:
        if _member(fam, name) is not None:
            return fam
    raise KeyError(f"{name!r} is not a pro forma line (see bessfin.finance.lines)")


def stream_of(name: str) -> str | None:
    """Merchant stream of a ``revenue: merchant <stream>`` line; None for other lines."""
    return _member(_BY_NAME[REVENUE_MERCHANT], name)


def short_label(name: str) -> str:
    """Line name without its section word: ``revenue: merchant reg_up`` -> ``reg_up``,
    ``revenue: tolling`` -> ``tolling``."""
    stream = stream_of(name)
    return stream if stream is not None else name.split(": ", 1)[-1]


def section_lines(names: Iterable[str], section: str, *, totals: bool = False) -> list[str]:
    """The lines of ``names`` in ``section``, in order; derived lines only if ``totals``."""
    return [n for n in names if (s := line_spec(n)).section == section
            and (totals or s.sums is None)]


def revenue_lines(names: Iterable[str]) -> list[str]:
    """Revenue lines (merchant streams and contracts), without the total."""
    return section_lines(names, "revenue")


def merchant_lines(names: Iterable[str]) -> list[str]:
    """Merchant revenue lines, one per stream."""
    return [n for n in names if stream_of(n) is not None]


def order_lines(lines: dict) -> dict:
    """``lines`` reordered as the catalogue (family members in their given order).

    Raises
    ------
    KeyError
        A line is not in the catalogue.
    """
    rank = {s.name: i for i, s in enumerate(LINE_SPECS)}
    keyed = [(rank[line_spec(n).name], i, n) for i, n in enumerate(lines)]
    return {n: lines[n] for _, _, n in sorted(keyed)}


def sum_terms(name: str, names: Iterable[str], year: int) -> list[str]:
    """The lines that add up to derived line ``name`` in ``year``, out of ``names``."""
    spec = line_spec(name)
    if spec.sums is None:
        raise ValueError(f"pro forma line {name!r} is not a sum of other lines")
    terms = spec.sums.terms_for(year)
    if terms == SECTION_SUM:
        return section_lines(names, spec.section)
    return list(terms)


#: Column-name unit suffix of each line unit (fractions and multiples carry none, as in the
#: metric catalogue).
UNIT_SUFFIX: dict[str, str] = {"$": "_usd", "MWh": "_mwh", "fraction": "", "x": ""}


def column_name(name: str) -> str:
    """Snake-case column name of line ``name`` with its unit suffix, as in
    :attr:`bessfin.deal.DealResult.annual`: ``revenue: merchant reg_up`` ->
    ``revenue_merchant_reg_up_usd``, ``memo: DSCR`` -> ``dscr``, ``memo: discharged MWh`` ->
    ``discharged_mwh``."""
    spec = line_spec(name)
    base = name.split(": ", 1)[1] if name.startswith("memo: ") else name
    slug = "".join(c if c.isalnum() else "_" for c in base.lower().replace("&", ""))
    slug = "_".join(p for p in slug.split("_") if p)
    suffix = UNIT_SUFFIX[spec.unit]
    return slug if slug.endswith(suffix) else slug + suffix


def tidy_lines(annual: Any) -> Any:
    """A pro forma's ``annual`` (lines x years) as a tidy frame: one row per project year
    (index ``year``, 0 = COD), one column per line named by :func:`column_name`."""
    out = annual.T.copy()
    out.columns = [column_name(n) for n in annual.index]
    out.index.name = "year"
    return out
