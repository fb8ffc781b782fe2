"""Report fixtures: deal runs computed once per session and the files written from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bessfin.deal import DealResult, load_deal, run_deal, value_deal
from bessfin.report import write_comparison_html, write_excel, write_html
from bessfin.studies import LEVERS, tornado

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def result() -> DealResult:
    """The ERCOT Houston example, screening mode (the report's main subject)."""
    return run_deal(load_deal(EXAMPLES / "ercot_houston_2h_merchant.toml"), mode="screening")


@pytest.fixture(scope="session")
def toll_result() -> DealResult:
    """The ERCOT West toll example cut to 6 years on 2024 prices: contracts, a different life
    and no supply option."""
    d = load_deal(EXAMPLES / "ercot_west_toll.toml")
    debt = d.debt.model_copy(update={"tenor_years": min(d.debt.tenor_years, 6)}) if d.debt else None
    d = d.model_copy(update={
        "project": d.project.model_copy(update={"life_years": 6}),
        "market": d.market.model_copy(update={"price_years": (2024,)}),
        "augmentation": d.augmentation.model_copy(update={"years": ()}),
        "debt": debt,
    })
    return run_deal(d, mode="screening")


@pytest.fixture(scope="session")
def caiso_result() -> DealResult:
    """The CAISO SP15 example with its RA contract and state tax, screening mode."""
    return run_deal(load_deal(EXAMPLES / "caiso_sp15_4h_ra.toml"), mode="screening")


def revalue(result: DealResult, **sections) -> DealResult:
    """The same dispatch valued with some deal sections replaced (no re-dispatch)."""
    deal = result.deal.model_copy(update=sections)
    pf, checks = value_deal(deal, result.lifetime, result.supply)
    return DealResult(deal=deal, lifetime=result.lifetime, pro_forma=pf, supply=result.supply,
                      checks=checks)


@pytest.fixture(scope="session")
def tornado_frame(result: DealResult):
    """A real tornado from bessfin.studies.sensitivity on the levers that need no re-dispatch."""
    return tornado(result, levers=tuple(lv for lv in LEVERS if not lv.redispatch))


@pytest.fixture(scope="session")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def html_path(result, tornado_frame, out_dir) -> Path:
    return write_html(result, out_dir / "deal.html", tornado=tornado_frame)


@pytest.fixture(scope="session")
def comparison_path(result, toll_result, out_dir) -> Path:
    return write_comparison_html([result, toll_result], out_dir / "compare.html")


@pytest.fixture(scope="session")
def xlsx_path(result, out_dir) -> Path:
    return write_excel(result, out_dir / "deal.xlsx")
