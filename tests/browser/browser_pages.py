"""What the browser tests share: the mark for tests that need the shipped demo models, the
script that records every string a canvas draws, and waiting for a page to settle."""

from __future__ import annotations

import pytest

from dashboard import demo

needs_demo_models = pytest.mark.skipif(
    not (demo.DEMO_PRIOR / "config.json").is_file()
    or not (demo.DEMO_REWARD / "config.json").is_file(),
    reason="the shipped demo prior/reward (assets/priors, assets/rewards) are missing",
)

# Every string a canvas draws, kept in window.drawnTexts (Vega's and the data grid's).
# Streamlit draws a chart of over 2,000 points on a canvas, and a smaller one as SVG.
RECORD_TEXTS = """
window.drawnTexts = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
  const canvas = this.canvas, edge = canvas.getBoundingClientRect();
  const matrix = this.getTransform(), pixel = canvas.width / (edge.width || canvas.width);
  const width = this.measureText(String(text)).width;
  const start = x - width * ({center: 0.5, right: 1, end: 1}[this.textAlign] || 0);
  window.drawnTexts.push({
    text: String(text), left: edge.left + (matrix.a * start + matrix.e) / pixel,
    right: edge.left + (matrix.a * (start + width) + matrix.e) / pixel,
    canvasLeft: edge.left, canvasRight: edge.right,
    table: Boolean(canvas.closest && canvas.closest('[data-testid="stDataFrame"]'))});
  return fillText.call(this, text, x, y, ...rest);
};
"""


def settle(page, draw_ms: int = 800) -> None:
    """Wait until Streamlit has finished the current script run (no running indicator), then
    `draw_ms` more: Vega and the data grid draw after the run ends."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
    page.wait_for_timeout(draw_ms)


def drawn_in_tables(page, wait_s: float = 15.0) -> list[dict]:
    """The strings the data grids have drawn (RECORD_TEXTS), once they have drawn any: on a
    loaded machine a grid may draw well after the script run has ended."""
    page.wait_for_function("() => window.drawnTexts.some(text => text.table)",
                           timeout=wait_s * 1000)
    return [text for text in page.evaluate("window.drawnTexts") if text["table"]]


SCROLLER = '[data-testid="stDataFrame"] .dvn-scroller'  # a data grid's scrolling element


def grid_widths(page) -> list[dict]:
    """Each data grid's content and box widths (content wider than box: a sideways scroll),
    once a grid's scroller exists: on a loaded machine the frame is drawn before it."""
    page.locator(SCROLLER).first.wait_for()
    return page.evaluate(f"""() => [...document.querySelectorAll('{SCROLLER}')]
      .map(scroller => ({{content: scroller.scrollWidth, box: scroller.clientWidth}}))""")


def table_in_sight(page, where: str) -> list[dict]:
    """Assert that the page's first data grid is in sight whole beside the open sidebar: no
    sideways scroll and no text drawn past its right edge. Returns the grids' drawn texts.
    `where` names the page in the messages."""
    assert page.get_by_test_id("stSidebar").bounding_box()["width"] > 200  # open
    scroll = grid_widths(page)[0]
    assert scroll["content"] <= scroll["box"] + 1, (
        f"{where}: the table needs a sideways scroll: its columns take {scroll['content']} px "
        f"of {scroll['box']}")
    drawn = drawn_in_tables(page)
    past = sorted({f"{text['text']!r} ends at {text['right']:.0f} px" for text in drawn
                   if text["right"] > text["canvasRight"] + 1})  # fmt: skip
    assert not past, (f"{where}: texts drawn past the table's right edge "
                      f"({drawn[0]['canvasRight']:.0f} px), out of sight: {past}")
    return drawn
