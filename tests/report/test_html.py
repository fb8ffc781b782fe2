"""The HTML reports on disk: self-contained, every section and chart, tables with the numbers."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from bessfin.report import data
from bessfin.report.html import COMPARISON_SECTIONS, SECTIONS, deal_report_html
from tests.report.conftest import revalue


class _Scan(HTMLParser):
    """Collects tags with their attributes, h2 texts, table cells and ids."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h2: list[str] = []
        self.cells: list[tuple[str, str | None]] = []  # (text, data-value)
        self._in: str | None = None
        self._buf: list[str] = []
        self._value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("h2", "td", "th"):
            self._in, self._buf, self._value = tag, [], a.get("data-value")

    def handle_endtag(self, tag):
        if tag == self._in:
            text = "".join(self._buf).strip()
            if tag == "h2":
                self.h2.append(text)
            else:
                self.cells.append((text, self._value))
            self._in = None

    def handle_data(self, d):
        if self._in:
            self._buf.append(d)


def scan(text: str) -> _Scan:
    s = _Scan()
    s.feed(text)
    return s


@pytest.fixture(scope="module")
def page(html_path) -> str:
    return html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(page) -> _Scan:
    return scan(page)


def _charts(text: str) -> int:
    return len(re.findall(r'<svg[^>]*class="chart"', text))


@pytest.mark.parametrize("name", ["page", "comparison"])
def test_self_contained(name, page, comparison_path):
    text = page if name == "page" else comparison_path.read_text(encoding="utf-8")
    s = scan(text)
    assert not [t for t, _ in s.tags if t in ("script", "iframe", "object", "embed", "link")]
    for tag, attrs in s.tags:
        for key in ("src", "href", "xlink:href", "data", "poster"):
            v = attrs.get(key)
            if v is None or (tag == "a" and v.startswith("#")):
                continue
            assert v.startswith(("data:", "#")), f"<{tag} {key}={v[:60]!r}> loads a file"
    assert not re.search(r"url\(\s*['\"]?(?!#|data:)", text), "CSS url() to a file"
    assert "@import" not in text
    assert not re.search(r"(src|href)\s*=\s*['\"]\s*(https?:)?//", text)


def test_sections_in_order(parsed):
    assert parsed.h2 == [title for _, title in SECTIONS]


def test_every_chart_present(page, parsed):
    # revenue, typical day, SOC heatmap, monthly, waterfall, DSCR, tornado, landed cost
    assert _charts(page) == 8
    svgs = [a for t, a in parsed.tags if t == "svg" and a.get("class") == "chart"]
    assert all(a.get("aria-label") and a.get("viewbox") for a in svgs)
    heat = [a for t, a in parsed.tags if t == "image"]
    assert heat and all((a.get("xlink:href") or a.get("href") or "").startswith(
        "data:image/png;base64,") for a in heat)


def test_ids_unique(parsed):
    ids = [a["id"] for _, a in parsed.tags if a.get("id")]
    assert len(ids) == len(set(ids))
    refs = {a[k][1:] for _, a in parsed.tags for k in ("href", "xlink:href")
            if (a.get(k) or "").startswith("#")}
    assert refs <= set(ids)


def _has_value(cells, value: float, text: str | None = None, rel: float = 1e-8) -> bool:
    for t, v in cells:
        if v is not None and math.isclose(float(v), value, rel_tol=rel, abs_tol=1e-6):
            if text is None or t == text:
                return True
    return False


def test_tables_carry_the_numbers(result, parsed):
    pf, m, cells = result.pro_forma, result.pro_forma.metrics, parsed.cells
    assert _has_value(cells, m.equity_irr_after_tax, f"{m.equity_irr_after_tax:.2%}")
    assert _has_value(cells, m.project_irr_pre_tax, f"{m.project_irr_pre_tax:.2%}")
    assert _has_value(cells, m.project_irr_after_tax, f"{m.project_irr_after_tax:.2%}")
    assert _has_value(cells, m.min_dscr, f"{m.min_dscr:.2f}x")
    assert _has_value(cells, m.lcos_with_credits_usd_per_mwh)
    y1 = float(pf.line("revenue: total").loc[1])
    assert _has_value(cells, y1, f"{y1 / 1e3:,.0f}")  # revenue table, $ thousand
    equity = float(pf.line("cash flow to equity").sum())
    assert _has_value(cells, equity, f"{equity:,.0f}")  # waterfall total
    fob = float(result.supply.landed["fob_usd"].sum())
    assert _has_value(cells, fob, f"{fob:,.0f}")
    texts = {t for t, _ in cells}
    assert "Section 301" in texts and "IEEPA reciprocal" in texts


def test_waterfall_adds_up(result):
    wf = data.waterfall(result.pro_forma)
    steps = wf.loc[~wf["is_total"], "value"].sum()
    assert math.isclose(steps, wf.loc["Equity cash flow", "value"], rel_tol=1e-9)


def test_banner_and_itc_text(result, page):
    assert ('class="banner pass"' in page) == result.passed
    for c in result.checks:
        assert c.reason.replace(">", "&gt;").replace("<", "&lt;") in page
    for line in result.pro_forma.itc.explain().splitlines():
        assert line.replace("<", "&lt;").replace(">", "&gt;") in page


def test_failing_deal_shows_fail_banner(result):
    strict = revalue(result, lender=result.deal.lender.model_copy(update={"min_dscr": 9.0}))
    text = deal_report_html(strict)
    assert 'class="banner fail"' in text
    assert "FAIL min DSCR" in text and "&lt; 9.00x" in text


def test_all_equity_deal_has_no_dscr_chart(result):
    equity = revalue(result, debt=None, lender=result.deal.lender.model_copy(
        update={"min_dscr": None, "downside_min_dscr": None}))
    text = deal_report_html(equity)
    assert "No debt: DSCR is not defined" in text
    assert "No sensitivity frame was given" in text
    assert _charts(text) == 6  # no DSCR chart, no tornado


def test_tornado_section(tornado_frame, parsed, page):
    texts = {t for t, _ in parsed.cells}
    for p in tornado_frame["parameter"]:
        assert p in texts
    for v in tornado_frame["low_value"]:
        assert _has_value(parsed.cells, float(v), f"{v:.2%}")
    assert "Tornado chart of project irr after tax" in page


def test_comparison_report(result, toll_result, comparison_path):
    text = comparison_path.read_text(encoding="utf-8")
    s = scan(text)
    assert s.h2 == [title for _, title in COMPARISON_SECTIONS]
    # revenue stack, revenue by year, DSCR overlay, and the attribution waterfalls of equity
    # IRR and NPV for the one pair of deals
    assert _charts(text) == 5
    assert "Waterfall of Equity IRR, after tax by driver" in text
    for r in (result, toll_result):
        assert r.deal.name in text
        m = r.pro_forma.metrics
        assert _has_value(s.cells, m.equity_irr_after_tax, f"{m.equity_irr_after_tax:.2%}")
        assert _has_value(s.cells, m.min_dscr, f"{m.min_dscr:.2f}x")
    assert "tolling" in {t for t, _ in s.cells}  # the toll deal's contract stream
    # DSCR overlay: one line (legend entry) per deal
    svg = re.findall(r'<svg[^>]*aria-label="DSCR by year".*?</svg>', text, re.S)
    assert len(svg) == 1 and all(r.deal.name in svg[0] for r in (result, toll_result))
    for r in (result, toll_result):  # each deal's lender minimum is drawn
        if r.deal.lender.min_dscr is not None:
            assert f"lender minimum {r.deal.lender.min_dscr:.2f}x" in svg[0]
