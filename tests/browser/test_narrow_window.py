"""Compare (Fine-tune page) and Explore in a narrow window, in a real browser.

At 1024 px with the sidebar open the main column is about 560 px wide. Every chart must fit
the column it sits in, every legend label must be drawn whole, and Explore's table must show
the run, the rank and the design without scrolling sideways, at 1024 px as at 1280 px.
The texts are read from the SVG (Vega), or from a canvas (Vega, the data grid) by wrapping
its fillText before the page loads: a label Vega cuts short ends in "…", and one that runs
off its chart or table is drawn past the canvas's edge.

With BRAID_LAYOUT_SHOTS=<folder> the test also saves what it measured as screenshots there.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from braid_core.runs import Workspace
from dashboard import demo, run_names

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))
from browser_pages import RECORD_TEXTS, drawn_in_tables, needs_demo_models, settle  # noqa: E402
from dashboard_runs import finished_finetune  # noqa: E402 (a helper module, not a package)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_demo_models,
]

WIDTHS = (1280, 1024)  # px of the browser window; the sidebar stays open at both
SHOTS = os.environ.get("BRAID_LAYOUT_SHOTS")
# Per Vega chart: its drawing's box and the box of the column it sits in.
CHART_BOXES = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
  const drawing = chart.querySelector('canvas, svg.marks').getBoundingClientRect();
  const column = chart.closest('[data-testid="stElementContainer"]').getBoundingClientRect();
  return {left: drawing.left, right: drawing.right, columnLeft: column.left,
          columnRight: column.right};
})
"""

SVG_TEXTS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
    .map(text => text.textContent)"""
# The texts of an SVG chart that reach past its edges (e.g. a legend placed outside its bounds)
SVG_TEXTS_OUTSIDE = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')].flatMap(svg => {
  const edge = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter(text => {
    const box = text.getBoundingClientRect();
    const middle = (box.top + box.bottom) / 2;  // a line's box is taller than its letters
    return box.width && (box.left < edge.left - 1 || box.right > edge.right + 1
                         || middle < edge.top || middle > edge.bottom);
  }).map(text => text.textContent);
})
"""


@pytest.fixture(scope="module")
def runs(workspace_root: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Two seeds of one setting scored by the shipped reward model and a run scored by a
    reward model of the workspace (a copy of the shipped one): the runs' names then carry
    their reward model, as long as legend labels get."""
    models = tmp_path_factory.mktemp("models")
    (models / "priors").symlink_to(demo.DEMO_PRIOR)
    ws = Workspace(workspace_root)
    fitted = ws.create_run("reward", {})
    shutil.copytree(demo.DEMO_REWARD, fitted.path / "reward")
    ws.set_status(fitted.id, "running")
    ws.set_status(fitted.id, "done")
    return [finished_finetune(ws, models, c=1.0, alpha=0.01, seed=0, reward=demo.DEMO_REWARD),
            finished_finetune(ws, models, c=1.0, alpha=0.01, seed=1, reward=demo.DEMO_REWARD),
            finished_finetune(ws, models, c=0.0, alpha=0.1, seed=0,
                              reward=fitted.path / "reward")]  # fmt: skip


def names(workspace_root: Path, run_ids: list[str], grouped: bool) -> list[str]:
    """The runs' legend labels as the pages make them: per run (Explore) or per setting with
    the seeds pooled (Compare)."""
    ws = Workspace(workspace_root)
    records = [ws.record(run_id) for run_id in run_ids]
    if not grouped:
        return list(dict.fromkeys(run_names.run_labels(records, ws).values()))
    models = run_names.model_suffixes(records, ws)
    return list(dict.fromkeys(run_names.group_label(r.config) + models[r.id] for r in records))


@pytest.fixture
def open_page(browser, server: str):
    """`open_page(width, path)`: a page of its own session in a window `width` px wide,
    recording what its canvases draw; closed after the test."""
    contexts = []

    def open_at(width: int, path: str):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      base_url=server)  # fmt: skip
        contexts.append(context)
        context.set_default_timeout(30_000)
        context.add_init_script(RECORD_TEXTS)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_at
    for context in contexts:
        context.close()


def check_charts(page, names: list[str], where: str) -> None:
    """Each chart inside its column; each name drawn whole, nothing drawn cut short."""
    boxes = page.evaluate(CHART_BOXES)
    assert boxes, f"{where}: no chart drawn"
    for box in boxes:
        assert box["left"] >= box["columnLeft"] - 1 and box["right"] <= box["columnRight"] + 1, (
            f"{where}: a chart spans {box['left']:.0f}-{box['right']:.0f} px, its column "
            f"{box['columnLeft']:.0f}-{box['columnRight']:.0f} px")
    drawn = [text for text in page.evaluate("window.drawnTexts") if not text["table"]]
    texts = [text["text"] for text in drawn] + page.evaluate(SVG_TEXTS)
    outside = page.evaluate(SVG_TEXTS_OUTSIDE) + [
        text["text"] for text in drawn if text["left"] < text["canvasLeft"] - 1
        or text["right"] > text["canvasRight"] + 1]  # fmt: skip
    assert not outside, f"{where}: texts drawn outside their chart, cut off: {outside}"
    cut = sorted({text for text in texts if text.endswith("…")})
    assert not cut, f"{where}: texts drawn cut short: {cut}"
    missing = [name for name in names if name not in texts]
    assert not missing, f"{where}: legend labels not drawn whole: {missing}"


def check_table(page, headers: list[str], where: str) -> None:
    """The table's headers `headers` (patterns) drawn whole inside the table, with no scroll."""
    drawn = drawn_in_tables(page)
    for header in headers:
        found = [text for text in drawn if re.fullmatch(header, text["text"])]
        assert found, f"{where}: no table header {header!r} drawn"
        text = found[-1]
        assert text["right"] <= text["canvasRight"] + 1, (
            f"{where}: the table's column {text['text']!r} runs past its right edge "
            f"({text['right']:.0f} > {text['canvasRight']:.0f} px)")


def shoot(page, locator, name: str) -> None:
    if SHOTS:
        locator.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(400)
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_curves_fit_the_column(runs, workspace_root, open_page, width):
    page = open_page(width, "/finetune?run=" + ",".join(runs))
    page.get_by_text("Final numbers per setting").wait_for()
    settle(page)
    assert page.get_by_test_id("stSidebar").bounding_box()["width"] > 200  # open
    shoot(page, page.get_by_role("heading", name="Compare runs", exact=True),
          f"compare-{width}")
    check_charts(page, names(workspace_root, runs, grouped=True), f"Compare at {width} px")
    shoot(page, page.get_by_text("Final numbers per setting"), f"compare-table-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_explore_scatter_and_table_fit_the_column(runs, workspace_root, open_page, width):
    page = open_page(width, "/explore?run=" + ",".join(runs))
    page.get_by_text("designs to download").wait_for()
    settle(page)
    shoot(page, page.get_by_role("heading", name="Explore", exact=True), f"explore-{width}")
    shoot(page, page.get_by_test_id("stDataFrame").first, f"explore-table-{width}")
    labels = names(workspace_root, runs, grouped=False)
    check_charts(page, labels, f"Explore at {width} px")
    # The run, its designs' rank (r_hat - c u at the slider's c) and the design itself.
    check_table(page, ["source", r".* at c = 1", "sequence"], f"Explore's table at {width} px")
    page.evaluate("window.drawnTexts = []")  # coloured by score: a gradient legend too
    page.get_by_test_id("stRadioGroup").get_by_text("true score", exact=True).click()
    settle(page)
    shoot(page, page.get_by_test_id("stVegaLiteChart").first, f"explore-score-{width}")
    check_charts(page, labels, f"Explore coloured by score at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_launch_buttons_label_is_whole(runs, open_page, width):
    # At 1024 px a quarter of the launch panel cut it to "Launch fine-tu…".
    page = open_page(width, "/finetune")
    button = page.get_by_role("button", name="Launch fine-tuning")
    button.wait_for()
    settle(page)
    cut = button.evaluate("""button => [button, ...button.querySelectorAll('*')].some(
        element => element.scrollWidth > element.clientWidth + 1)""")
    assert not cut, f"the launch button's label is cut short at {width} px"
