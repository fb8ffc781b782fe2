"""The HTML reports in a real headless browser: they load, show their charts, log nothing."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from bessfin.report.html import COMPARISON_SECTIONS, SECTIONS
from tests.report.browser import load

WIDTH, HEIGHT = 1366, 9000


def _count_charts(text: str) -> int:
    return len(re.findall(r'<svg[^>]*class="chart"', text))


def test_console_check_catches_errors(tmp_path):
    """Control: a page with a script error is caught by the same check the reports pass."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><p>x</p><script>console.error("boom");'
                   "notDefined();</script></body></html>")
    page = load(bad, "--dump-dom")
    assert any("boom" in m for m in page.console)
    assert any("ReferenceError" in m for m in page.console)


@pytest.mark.parametrize("which", ["deal", "comparison"])
def test_report_loads_with_charts_and_no_console_messages(which, html_path, comparison_path):
    path, sections = ((html_path, SECTIONS) if which == "deal"
                      else (comparison_path, COMPARISON_SECTIONS))
    page = load(path, "--dump-dom")
    assert page.returncode == 0, page.stderr[-2000:]
    assert page.console == []
    source = path.read_text(encoding="utf-8")
    assert _count_charts(page.dom) == _count_charts(source) >= 3
    for anchor, _ in sections:
        assert f'id="{anchor}"' in page.dom
    assert "<title>" in page.dom and "</html>" in page.dom


def _pixels_near(img: np.ndarray, hex_color: str, tol: int = 8) -> int:
    rgb = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(img[..., :3].astype(int) - rgb).max(axis=-1) <= tol).sum())


def test_screenshot_shows_the_charts(html_path, tmp_path):
    shot = tmp_path / "deal.png"
    page = load(html_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}")
    assert page.returncode == 0, page.stderr[-2000:]
    assert page.console == []
    assert shot.stat().st_size > 100_000
    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape == (HEIGHT, WIDTH, 3)
    white = (img > 245).all(axis=-1).mean()
    assert white < 0.9, "page is (nearly) blank"
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 2000  # charts, not just text
    # colours only the charts paint: the energy stream's bars (tab10 blue), the teal
    # discharge / DSCR / revenue-step bars and the full-battery yellow of the SOC heatmap
    assert _pixels_near(img, "#1f77b4") > 5_000
    assert _pixels_near(img, "#2a9d8f") > 5_000
    assert _pixels_near(img, "#fde725", tol=20) > 5_000
