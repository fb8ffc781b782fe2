"""Self-contained HTML reports: one deal (:func:`write_html`) or several side by side
(:func:`write_comparison_html`).

The page has no scripts and loads nothing: charts are inline SVG (see
:mod:`bessfin.report.charts`), tables are real ``<table>`` elements, the stylesheet is inline.
Section contents are described in ``docs/reports.md``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from bessfin.deal import DealResult, Verdict
from bessfin.finance import lines as L
from bessfin.report import assumptions as asm
from bessfin.report import charts, data
from bessfin.report.page import details, figure, page
from bessfin.report.tables import render_table
from bessfin.report.tornado import check_tornado, method_note, tornado_metric
from bessfin.studies import Comparison, compare, p_values

#: (anchor, heading) of every section of the single-deal report, in order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("metrics", "Key metrics"),
    ("assumptions", "Assumptions and sources"),
    ("revenue", "Revenue by stream and year"),
    ("dispatch", "Year-1 dispatch: typical day and state of charge"),
    ("monthly", "Monthly revenue, year 1"),
    ("waterfall", "Cash-flow waterfall"),
    ("dscr", "DSCR by year"),
    ("tornado", "Sensitivity tornado"),
    ("pvalues", "Price-year spread: P50 / P90"),
    ("supply", "Supply chain: landed cost by duty layer"),
    ("proforma", "Pro forma, annual"),
)

#: (anchor, heading) of every section of the comparison report, in order.
COMPARISON_SECTIONS: tuple[tuple[str, str], ...] = (
    ("checks", "Lender checks"),
    ("metrics", "Key metrics"),
    ("differences", "Assumptions that differ"),
    ("normalised", "Per kW and per kWh"),
    ("attribution", "Why the returns differ: attribution by driver"),
    ("pvalues", "Price-year spread: P50 / P90"),
    ("assumptions", "Key assumptions"),
    ("revenue", "Revenue stack per deal"),
    ("revenue-years", "Revenue by year"),
    ("dscr", "DSCR by year"),
)


_BANNER_CLASS = {"pass": "pass", "fail": "fail", "not assessed": "none"}


def _verdict_banner(v: Verdict, anchor: str) -> str:
    items = "".join(f"<li>{escape(r)}</li>" for r in v.reasons)
    return (f'<div class="banner {_BANNER_CLASS[v.status]}" id="{anchor}">'
            f"<strong>{escape(v.view.capitalize())} view: {escape(v.headline)}</strong>"
            f"<ul>{items}</ul></div>")


def _banner(result: DealResult) -> str:
    """Both verdicts, equally prominent: investment view first, then the lender view with each
    check, the debt sizing and any IRR notes."""
    checks = result.checks
    lender = result.lender
    items = "".join(
        f'<li class="{"passed" if c.passed else "failed"}">{"PASS" if c.passed else "FAIL"} '
        f"{escape(c.name)}: {escape(c.reason)}</li>" for c in checks)
    info = "".join(f"<li>{escape(r)}</li>" for r in lender.reasons
                   if not any(r.startswith(f"{c.name}: ") for c in checks))
    hint = ("" if checks else
            "<p>Add a [lender] section to the deal to test bankability.</p>")
    lender_html = (f'<div class="banner {_BANNER_CLASS[lender.status]}" id="checks">'
                   f"<strong>Lender view: {escape(lender.headline)}</strong>{hint}"
                   f"<ul>{items}{info}</ul></div>")
    notes = result.pro_forma.metrics.irr_notes
    irr = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in notes.items())
    irr_html = f'<div class="notes"><strong>IRR notes</strong><ul>{irr}</ul></div>' if irr else ""
    return _verdict_banner(result.investment, "investment") + lender_html + irr_html


def _metrics_section(result: DealResult) -> str:
    ms = data.key_metrics(result)
    frame = pd.DataFrame({"group": [m.group for m in ms], "metric": [m.label for m in ms],
                          "value": [m.value for m in ms], "note": [m.note for m in ms]})
    frame = frame.set_index(["group", "metric"])
    kinds = {(m.group, m.label): m.kind for m in ms}
    table = render_table(frame, row_kinds=kinds, index_label="metric",
                         caption="Project metrics are unlevered (no debt); equity metrics are "
                         "levered, after debt service, tax and the ITC. $M where marked.")
    itc = result.pro_forma.itc
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.input_notes())
    return (table + (f'<ul class="input-notes">{notes}</ul>' if notes else "")
            + f"<h3>ITC rate: {itc.rate:.2%} (MACR {result.pro_forma.inputs.itc.macr_status})"
            f'</h3><pre class="explain">{escape(itc.explain())}</pre>')


def _assumptions_section(result: DealResult) -> str:
    key = asm.key_assumptions(result).set_index(["section", "item"])
    allin = asm.all_inputs(result).set_index(["section", "item"])
    policy = asm.policy_sources(result).set_index("key")
    duties = asm.duty_sources(result)
    parts = [
        render_table(key, index_label="assumption",
                     caption="Key assumptions; 'set by' says whether the deal file gave the "
                     "value or a documented default applied."),
        details(f"All inputs ({len(allin)} values, with defaults and field notes)",
                render_table(allin, index_label="input")),
        details(f"§48E ITC policy table ({len(policy)} values, each with its source)",
                render_table(policy, index_label="policy value",
                             caption="Rows marked 'yes (BOC)' are the schedule steps used for "
                             "the deal's beginning-of-construction date; facts_row refers to "
                             "policy_facts.md.")),
    ]
    if not duties.empty:
        parts.append(details(f"Duty layers and their sources ({len(duties)} rows)",
                             render_table(duties, index=False)))
    return "".join(parts)


def _year_life_table(rows: list[tuple[str, list[float]]], index_label: str, share: str,
                     caption: str) -> str:
    """A ladder-style table: per row year 1 and life in $M and $/kW-yr, and a share column
    (``share``: "capture" or "[%]") for each."""
    y_share, l_share = (f"year 1 {share}", f"life {share}")
    table = pd.DataFrame([v for _, v in rows], index=[k for k, _ in rows],
                         columns=["year 1 [$M]", "year 1 [$/kW-yr]", y_share, "life [$M]",
                                  "life mean [$/kW-yr]", l_share])
    return render_table(
        table, index_label=index_label, col_kinds={
            "year 1 [$M]": "usd_m", "life [$M]": "usd_m", y_share: "pct", l_share: "pct",
            "year 1 [$/kW-yr]": "number", "life mean [$/kW-yr]": "number"},
        caption=caption)


def _ladder_section(result: DealResult) -> str:
    """Revenue ladder table and, for region-summed AS prices, the upper-bound note."""
    out = ""
    lad = result.ladder
    if lad is not None:
        out += _year_life_table(
            [(r.label, [r.year1_usd, r.year1_usd_per_kw_yr, r.year1_capture, r.life_usd,
                        r.life_usd_per_kw_yr, r.life_capture]) for r in lad.rungs],
            "rung", "capture",
            "Revenue ladder: merchant revenue from the perfect-foresight, uncapped "
            "ceiling down to the base case the pro forma uses; capture = rung / ceiling. "
            + lad.note + ".")
        if lad.uplifts:
            out += _year_life_table(
                [(u.label, [u.year1_usd, u.year1_usd_per_kw_yr, u.year1_pct / 100.0,
                            u.life_usd, u.life_usd_per_kw_yr, u.life_pct / 100.0])
                 for u in lad.uplifts],
                "uplift", "[%]",
                "Uplift: the base case minus the named rung, in $ and in % of that "
                "rung (for a day-ahead plus real-time deal: DA+RT minus DA-only, both in the "
                "deal's dispatch mode; docs/lifetime.md).")
    upper = result.summary_dict().get("as_prices_upper_bound")
    if upper:
        low = upper["revenue_at_lower_as_prices"]
        out += (f'<p class="note">AS prices are an upper bound: {escape(upper["reason"])}. '
                f"At AS prices {low['as_price_cut']:.0%} lower, year-1 merchant revenue is at "
                f"least {low['year1_usd_per_kw_yr']:.1f} $/kW-yr (life mean "
                f"{low['life_usd_per_kw_yr']:.1f}); {escape(low['basis'])}.</p>")
    return out


def _revenue_section(result: DealResult, colors: dict[str, str]) -> str:
    rev = data.revenue_by_stream(result.pro_forma)
    table = rev.T.copy()
    table.loc["total"] = rev.sum(axis=1)
    bench = data.fleet_benchmarks(result)
    note = (" Dashed: published fleet-average revenue of the same ISO and price year x "
            "power (" + "; ".join(label for label, _ in bench) + ")." if bench else "")
    return (_ladder_section(result)
            + figure(charts.revenue_chart(rev, colors, bench),
                     "Revenue lines of the pro forma by operating year, stacked; negative "
                     "streams (wear cost, down-regulation energy) below zero. Dots: net "
                     "total." + note)
            + render_table(table, kind="usd_k", index_label="stream \\ year",
                           caption="Revenue by stream [$ thousand], operating years as columns.",
                           row_classes={"total": "total"}, table_class="wide"))


def _dispatch_section(result: DealResult) -> str:
    fy = result.lifetime.first_year
    day = data.typical_day(fy)
    heat = data.soc_heatmap(fy)
    day_table = day.copy()
    day_table["soc_mwh"] = day_table["soc_mwh"]
    dart = ("; the physical real-time schedule of the day-ahead plus real-time settlement "
            "(energy price = real-time price)" if result.lifetime.settlement == "da+rt" else "")
    return (
        f'<p class="note">Year 1 shown on price year {result.lifetime.first_price_year}'
        f" at nameplate capacity, {escape(fy.horizon.label)}, {escape(fy.market)} "
        f"{escape(fy.node)}, local time {escape(fy.timezone)}{dart}.</p>"
        + figure(charts.typical_day_chart(day, fy.battery.energy_mwh),
                 "Mean by local hour over year 1: discharge up, charge down, ancillary awards "
                 "as lines; energy price mean and 10th-90th percentile band; mean SOC.")
        + figure(charts.soc_heatmap_chart(heat),
                 "End-of-hour state of charge for every hour of year 1 (columns: days; rows: "
                 "local hour). Dark = empty, yellow = full.")
        + details("Typical-day table (mean by local hour)",
                  render_table(day_table, kind="number", index_label="hour",
                               caption="MW, MWh and $/MWh.")))


def _monthly_section(result: DealResult, colors: dict[str, str]) -> str:
    monthly = data.monthly_revenue(result.lifetime)
    table = monthly.copy()
    table["total"] = monthly.sum(axis=1)
    return (figure(charts.monthly_chart(monthly, colors),
                   "Year-1 merchant dispatch revenue by local calendar month, before contracts"
                   + ("; mean over the price years." if len(result.lifetime.first_years) > 1
                      else "."))
            + render_table(table, kind="usd", index_label="month",
                           caption="Year-1 merchant revenue by month and stream [$]."))


def _waterfall_section(result: DealResult) -> str:
    wf = data.waterfall(result.pro_forma)
    lines = [L.CAPEX_TOTAL, L.REVENUE_TOTAL, L.OPEX_TOTAL, L.EBITDA, L.CFADS, L.DEBT_SERVICE,
             L.TAX_STATE, L.TAX_FEDERAL, L.ITC_TRANSFER, L.ITC_USED, L.EQUITY,
             L.UNLEVERED_AFTER_TAX]
    annual = result.pro_forma.annual.loc[lines]
    return (figure(charts.waterfall_chart(wf),
                   "Sum over years 0..N, nominal and undiscounted: from capex (year 0 and "
                   "augmentation) through revenue, opex, debt, income tax and the ITC to the "
                   "equity cash flow.")
            + render_table(wf[["value"]], kind="usd", index_label="step",
                           caption="Waterfall steps [$].", row_classes={
                               "Equity cash flow": "total"})
            + details("Annual cash flow [$ thousand]",
                      render_table(annual, kind="usd_k", index_label="line \\ year",
                                   table_class="wide")))


def _dscr_section(result: DealResult) -> str:
    frame = data.dscr_by_year(result.pro_forma)
    if frame.empty:
        return '<p class="note">No debt: DSCR is not defined for an all-equity project.</p>'
    return (figure(charts.dscr_chart(frame, result.deal.lender.min_dscr),
                   "Base-case CFADS / debt service by year (red: below the lender minimum); "
                   "the line is the blended target the debt was sized on.")
            + render_table(frame, index_label="year",
                           col_kinds={"dscr": "ratio", "target": "ratio", "cfads": "usd",
                                      "debt_service": "usd"},
                           caption="DSCR and target [x]; CFADS and debt service [$]."))


def _tornado_section(tornado: pd.DataFrame | None) -> str:
    if tornado is None:
        return ('<p class="note">No sensitivity frame was given (see docs/reports.md for the '
                "tornado frame contract, e.g. from bessfin.studies.sensitivity.tornado).</p>")
    frame = check_tornado(tornado)
    label, kind = tornado_metric(frame)
    table = frame.set_index("parameter")[["low_label", "low_value", "high_label",
                                          "high_value", "base_value", "swing"]]
    return (figure(charts.tornado_chart(frame, label, kind),
                   f"{label} with each input at its low and high setting, widest swing on top.")
            + render_table(table, index_label="parameter",
                           col_kinds={c: kind for c in ("low_value", "high_value",
                                                        "base_value", "swing")},
                           caption=f"Sensitivity of {label}.")
            + (f'<p class="note">{escape(note)}</p>' if (note := method_note(frame)) else ""))


def _pvalues_table(distributions: dict[str, pd.DataFrame]) -> str:
    """P50 / P90 of each deal's price-year distribution, and the values behind them."""
    from bessfin.finance import metric as spec_of

    rows = {}
    notes = []
    kind = "number"
    for name, dist in distributions.items():
        if dist is None or dist.empty:
            continue
        metric_name = str(dist["metric"].iloc[0])
        kind = spec_of(metric_name).format
        pv = p_values(dist)
        if pv["note"]:
            notes.append(f"{name}: {pv['note']}" if len(distributions) > 1 else str(pv["note"]))
        rows[name] = {"metric": spec_of(metric_name).label, "P50": pv["p50"], "P90": pv["p90"],
                      "price years": pv["years"],
                      **{str(int(y)): v for y, v in zip(dist["price_year"], dist["value"],
                                                        strict=True)}}
    if not rows:
        return ('<p class="note">No price-year distribution was computed (run with '
                "--sensitivity).</p>")
    frame = pd.DataFrame(rows).T
    kinds = {c: kind for c in frame.columns if c not in ("metric", "price years")}
    kinds.update({"metric": "text", "price years": "number"})
    return render_table(frame, col_kinds=kinds, index_label="deal",
                        caption="The deal valued on each of its own price years alone (its "
                        "price file or the shipped data; screening dispatch); P50 = median, "
                        "P90 = the value exceeded in 90 % of years (10th percentile). With few "
                        "years the spread is thin: the count says how many years stand behind "
                        "it.") + "".join(f'<p class="note">{escape(n)}</p>' for n in notes)


def _supply_section(result: DealResult) -> str:
    frame = data.landed_by_layer(result.supply)
    if frame.empty:
        return '<p class="note">No [supply] section: the DC block price is an input.</p>'
    s = result.supply
    assert s is not None
    summary = s.summary.to_frame("value")
    kinds = {k: ("pct" if k in ("dc_adjusted_pct", "macr") else "text"
                 if isinstance(v, bool) else "number") for k, v in s.summary.items()}
    return (figure(charts.landed_chart(frame), "Landed cost of each supply line: FOB, freight "
                   "and each duty layer on the entry date (sources in the assumptions).")
            + render_table(frame, kind="usd", index_label="line",
                           caption="Landed cost by component [$].")
            + details("Supply option summary", render_table(summary, row_kinds=kinds,
                                                            index_label="item")))


def _proforma_section(result: DealResult) -> str:
    return details(
        f"All {len(result.pro_forma.annual)} pro forma lines [$ thousand; memo lines in their "
        "own units]",
        render_table(result.pro_forma.annual, kind="usd_k", index_label="line \\ year",
                     row_kinds={n: "number" for n in result.pro_forma.annual.index
                                if "DSCR" in n or "share" in n},
                     table_class="wide"))


def deal_report_html(result: DealResult, *, tornado: pd.DataFrame | None = None,
                     price_years: pd.DataFrame | None = None) -> str:
    """The single-deal report as an HTML string (see :func:`write_html`)."""
    rev = data.revenue_by_stream(result.pro_forma)
    monthly = data.monthly_revenue(result.lifetime)
    colors = charts.stream_colors([*rev.columns, *monthly.columns])
    bodies = {
        "metrics": _metrics_section(result),
        "assumptions": _assumptions_section(result),
        "revenue": _revenue_section(result, colors),
        "dispatch": _dispatch_section(result),
        "monthly": _monthly_section(result, colors),
        "waterfall": _waterfall_section(result),
        "dscr": _dscr_section(result),
        "tornado": _tornado_section(tornado),
        "pvalues": _pvalues_table({result.deal.name: price_years}),
        "supply": _supply_section(result),
        "proforma": _proforma_section(result),
    }
    d = result.deal
    subtitle = (f"{d.market.iso.upper()} {d.market.node} · {d.battery.power_mw:g} MW / "
                f"{d.battery.energy_mwh:g} MWh · {d.project.life_years}-year life · "
                f"dispatch mode {result.lifetime.mode}"
                + (f" · {d.description}" if d.description else ""))
    return page(d.name, subtitle, [(a, t, bodies[a]) for a, t in SECTIONS],
                banner=_banner(result))


def write_html(result: DealResult, path: str | Path, *,
               tornado: pd.DataFrame | None = None,
               price_years: pd.DataFrame | None = None) -> Path:
    """Write the self-contained HTML report of one deal.

    Parameters
    ----------
    result
        A deal run (:func:`bessfin.deal.run_deal`).
    path
        Output file (parent directories are created).
    tornado
        Optional sensitivity frame (contract in :mod:`bessfin.report.tornado`).
    price_years
        Optional :func:`bessfin.studies.price_year_distribution` of the deal (P50 / P90).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(deal_report_html(result, tornado=tornado, price_years=price_years),
                   encoding="utf-8")
    return out


def _attribution_section(comp: Comparison) -> str:
    from bessfin.finance import metric as spec_of

    if not comp.attribution:
        return '<p class="note">One deal: nothing to attribute.</p>'
    first = comp.names[0]
    parts = [f'<p class="note">Sequential substitution from {escape(first)}: each driver\'s '
             "inputs are swapped in from the other deal one at a time, in the order shown, and "
             "the pro forma re-run; a bar is the change that swap made. The steps add up to the "
             "whole difference; another order moves amounts between interacting drivers "
             "(docs/comparison.md). Size (MW, MWh) moves with capex.</p>"]
    for name, frame in comp.attribution.items():
        for metric_name in ("equity_irr_after_tax", "project_npv_after_tax_usd"):
            spec = spec_of(metric_name)
            parts.append(figure(charts.attribution_chart(frame, metric_name, spec.label,
                                                         spec.format),
                                f"{spec.label}: {first} -> {name}."))
        kinds = {c: spec_of(c).format for c in frame.columns}
        parts.append(render_table(frame, col_kinds=kinds, index_label="driver",
                                  caption=f"{first} -> {name}: change by driver."))
    return "".join(parts)


def comparison_report_html(results: list[DealResult], *, comparison: Comparison | None = None,
                           price_years: dict[str, pd.DataFrame] | None = None) -> str:
    """The comparison report as an HTML string (see :func:`write_comparison_html`)."""
    if not results:
        raise ValueError("write_comparison_html needs at least one deal result")
    if comparison is None and len(results) >= 2:
        comparison = compare(results)
    names = list(comparison.names) if comparison is not None else [results[0].deal.name]
    checks = pd.DataFrame({
        n: {"investment view": r.investment.headline,
            "lender view": r.lender.headline,
            **{c.name: f"{'PASS' if c.passed else 'FAIL'}: {c.reason}" for c in r.checks}}
        for n, r in zip(names, results, strict=True)}).fillna("")
    metrics, kinds = data.metrics_frame(results)
    metrics.columns = names
    key = pd.DataFrame({n: asm.key_assumptions(r).set_index(["section", "item"])["value"]
                        for n, r in zip(names, results, strict=True)})
    stack = pd.concat([data.average_revenue_per_kw(r).rename(n)
                       for n, r in zip(names, results, strict=True)], axis=1,
                      sort=False).T.fillna(0.0)  # streams in pro forma order
    colors = charts.stream_colors(list(stack.columns))
    revenue = {n: r.pro_forma.line(L.REVENUE_TOTAL).iloc[1:]
               for n, r in zip(names, results, strict=True)}
    dscr = {n: data.dscr_by_year(r.pro_forma)["dscr"]
            for n, r in zip(names, results, strict=True)}
    dscr = {n: s for n, s in dscr.items() if not s.empty}
    mins = {n: r.deal.lender.min_dscr for n, r in zip(names, results, strict=True)
            if r.deal.lender.min_dscr is not None}
    if comparison is not None:
        rate = ("" if comparison.discount_rate is None else
                f"<p><strong>All NPVs and LCOS at one discount rate: "
                f"{comparison.discount_rate:.2%}</strong> (each deal's own rate is listed "
                "below).</p>")
        diffs = comparison.assumptions.copy()
        diffs = diffs.map(lambda v: "" if v is None else str(v))
        norm = comparison.normalised.T
    bodies_extra = {
        "differences": (rate + render_table(diffs, index_label="assumption",
                                            caption="Every deal-file key whose value differs "
                                            "(defaults included), with the derived duration, "
                                            "resolved ITC rate and dispatch mode.")
                        if comparison is not None and not diffs.empty
                        else '<p class="note">The deals share every assumption.</p>'),
        "normalised": (render_table(norm, kind="number", index_label="measure",
                                    caption="Capex at COD per kW and kWh of rated power and "
                                    "energy [$]; revenue, EBITDA, opex: mean over operating "
                                    "years [$/kW-yr, $/kWh-yr]; NPV after tax per kW and kWh "
                                    "[$].") if comparison is not None else ""),
        "attribution": _attribution_section(comparison) if comparison is not None else "",
        "pvalues": _pvalues_table(price_years or {}),
    }
    bodies = {
        "checks": render_table(checks, index_label="check"),
        "metrics": render_table(metrics, row_kinds=dict(zip(metrics.index, kinds,
                                                             strict=True)),
                                index_label="metric", caption="One column per deal. Project "
                                "metrics unlevered, equity metrics levered after tax; $M "
                                "where money."),
        "assumptions": render_table(key.fillna(""), index_label="assumption"),
        "revenue": figure(charts.comparison_revenue_chart(stack, colors),
                          "Mean annual revenue over each deal's life per kW of power, by "
                          "stream.")
        + render_table(stack.T, kind="number", index_label="stream",
                       caption="Mean annual revenue [$/kW-yr]."),
        "revenue-years": figure(charts.overlay_chart(revenue, title="Total revenue by year",
                                                     ylabel="$M", kind="usd_m"),
                                f"{L.REVENUE_TOTAL} of each deal's pro forma.")
        + render_table(pd.DataFrame(revenue).T, kind="usd_k", index_label="deal \\ year",
                       caption="Total revenue [$ thousand].", table_class="wide"),
        **bodies_extra,
        "dscr": (figure(charts.overlay_chart(
            dscr, title="DSCR by year", ylabel="DSCR [x]", hlines=mins),
            "Base-case DSCR of each deal over its debt tenor (dashed, in the deal's colour: "
            "its lender's minimum DSCR).")
            + render_table(pd.DataFrame(dscr).T, kind="ratio", index_label="deal \\ year",
                           table_class="wide")
            if dscr else '<p class="note">No deal carries debt.</p>'),
    }
    modes = "/".join(sorted({r.lifetime.mode for r in results}))
    subtitle = " vs ".join(names) + f" · dispatch mode {modes}" + (
        "" if comparison is None or comparison.discount_rate is None
        else f" · all at a {comparison.discount_rate:.2%} discount rate")
    return page("Deal comparison", subtitle,
                [(a, t, bodies[a]) for a, t in COMPARISON_SECTIONS])


def write_comparison_html(results: list[DealResult], path: str | Path, *,
                          comparison: Comparison | None = None,
                          price_years: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write a self-contained HTML report comparing deals side by side.

    Parameters
    ----------
    results
        Deal runs, one column each in the tables (repeated names get a ``#n`` suffix).
    comparison
        Their :func:`bessfin.studies.compare` (computed when not given).
    price_years
        Price-year distributions by deal name, for the P50 / P90 table.
    path
        Output file (parent directories are created).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(comparison_report_html(results, comparison=comparison,
                                          price_years=price_years), encoding="utf-8")
    return out
