"""The HTML page shell: inline stylesheet, header, sections and footer (no scripts, no links
to other files, so the page works offline and can be mailed as one file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from importlib.metadata import PackageNotFoundError, version

CSS = """
:root { --ink:#1d2733; --muted:#5b6774; --line:#d9dee4; --band:#f5f7f9; --pass:#1b7f4b;
        --fail:#b3261e; --accent:#264653; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans",
       Roboto, Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 0 24px 48px; }
header.top { background: var(--accent); color: #fff; padding: 20px 24px 14px; }
header.top .inner { max-width: 1180px; margin: 0 auto; }
header.top h1 { margin: 0 0 4px; font-size: 26px; }
header.top p { margin: 0; color: #dce6ea; }
nav.toc { max-width: 1180px; margin: 10px auto 0; padding: 0 24px; font-size: 13px; }
nav.toc a { color: var(--accent); margin-right: 14px; text-decoration: none;
            white-space: nowrap; }
section { margin-top: 30px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px;
     margin-bottom: 10px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.note, .note { color: var(--muted); font-size: 13px; }
.banner { border-radius: 6px; padding: 12px 16px; margin-top: 18px; color: #fff; }
.banner.pass { background: var(--pass); }
.banner.fail { background: var(--fail); }
.banner.none { background: #6c757d; }
.banner strong { font-size: 18px; }
.banner ul { margin: 6px 0 0; padding-left: 20px; }
.banner li.failed { font-weight: 700; }
.table-wrap { overflow-x: auto; margin: 8px 0 14px; }
table { border-collapse: collapse; font-size: 13px; }
caption { text-align: left; color: var(--muted); padding: 4px 0; font-size: 12.5px; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
thead th { background: var(--band); position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody th { font-weight: 500; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.neg { color: #a4161a; }
tr.total td, tr.total th { font-weight: 700; border-top: 2px solid var(--ink); }
table.wide tbody th { position: sticky; left: 0; background: #fff; }
figure { margin: 10px 0 6px; }
figure svg.chart { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; }
pre.explain { background: var(--band); padding: 8px 12px; border-radius: 4px;
              white-space: pre-wrap; font-size: 13px; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
footer { max-width: 1180px; margin: 30px auto; padding: 0 24px; color: var(--muted);
         font-size: 12px; }
@media print { header.top { background: none; color: var(--ink); } nav.toc { display: none; }
               section { break-inside: avoid-page; } details { display: block; } }
"""


def _version() -> str:
    try:
        return version("bessfin")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def section(anchor: str, title: str, body: str) -> str:
    """A report section with an anchor id and an ``<h2>`` heading."""
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{body}</section>'


def figure(svg: str, caption: str) -> str:
    """A chart with its caption."""
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def details(summary: str, body: str, *, open_: bool = False) -> str:
    """A collapsible block (open when printing)."""
    return (f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>"
            f"{body}</details>")


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]],
         banner: str = "") -> str:
    """The whole document.

    Parameters
    ----------
    title, subtitle
        Header text.
    sections
        ``(anchor, title, body_html)`` in order; a table of contents links them.
    banner
        HTML placed right under the header (e.g. the pass/fail banner).
    """
    toc = "".join(f'<a href="#{escape(a)}">{escape(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<meta name=\"generator\" content=\"bessfin {escape(_version())}\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header class=\"top\"><div class=\"inner\"><h1>{escape(title)}</h1>"
        f"<p>{escape(subtitle)}</p></div></header>"
        f"<nav class=\"toc\">{toc}</nav><main>{banner}{body}</main>"
        f"<footer>Generated by bessfin {escape(_version())} on {stamp}. Amounts are nominal "
        "US$. Signs follow the pro forma: inflows positive, outflows negative. Definitions: "
        "docs/finance.md, docs/dispatch.md and docs/reports.md in the bessfin repository."
        "</footer></body></html>\n"
    )
