"""End to end in a real browser: every page, a bad upload, a short fine-tune, Explore, downloads.

Drives the dashboard through headless Chromium the way a user would (sidebar links, number
inputs, buttons, download buttons) against a live `streamlit run` server and real background
jobs, with the shipped demo prior and reward model. Run it alone with
`.venv/bin/python -m pytest tests/browser -q`; with BRAID_SCREENSHOTS=1 it also refreshes the
README screenshots in assets/screenshots/.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import time
from pathlib import Path

import pytest
from browser_pages import needs_demo_models

from dashboard import demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = [  # sidebar link, heading, a line only that page shows
    ("Data", "Data", "Upload a design table"),
    ("Design", "Design", "The whole pipeline in one job"),
    ("Prior", "Prior", "Pre-train a prior"),
    ("Reward model", "Reward model", "Train a reward model"),
    ("Fine-tune", "Fine-tune", "BRAID: maximise"),
    ("Explore", "Explore", "No designs yet"),
    ("Runs", "Runs", "No runs yet."),
]
BAD_CSV = b"sequence,value\nACDEF,1.0\nGHIKL,o**p**s\nMNPQR,0.5\n"  # ** is Markdown's bold
FINETUNE_TIMEOUT = 180.0  # seconds for the short fine-tune job, start-up included
SCREENSHOTS = os.environ.get("BRAID_SCREENSHOTS") == "1"
# (steps, batch size, designs): tiny for the test; longer for curves worth a screenshot.
STEPS, BATCH, DESIGNS = (40, 16, 128) if SCREENSHOTS else (3, 4, 8)
DEMO_DESIGNS = sum(1 for _ in demo.DEMO_OFFLINE.open()) - 1  # rows of the demo's offline.csv
SEQUENCE = re.compile(r"^[A-Z]{32}$")


def go(page, link: str, heading: str) -> None:
    """Follow a sidebar link (same session) and wait for the page's own heading."""
    page.get_by_test_id("stSidebarNavLink").filter(has_text=re.compile(f"^{link}$")).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for()


def settle(page) -> None:
    """Wait until Streamlit has finished the current script run (no running indicator)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def no_exception(page) -> None:
    """No Streamlit exception box and no Python traceback anywhere on the page."""
    assert page.get_by_test_id("stException").count() == 0, page.inner_text("body")[:2000]
    assert "Traceback" not in page.inner_text("body")


def top(page, locator) -> None:
    """Scroll so that `locator` is at the top of the window (for screenshots)."""
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def metric(page, label: str) -> str:
    """The value of the metric with this label (waits for it, and for a rerun's stale copy of
    it to go: on a loaded machine both were on the page after the status widget had gone)."""
    box = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    from playwright.sync_api import expect  # here: the module is skipped without playwright

    expect(box).to_have_count(1, timeout=30_000)
    return box.get_by_test_id("stMetricValue").inner_text()


def set_number(page, label: str, value: int) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Tab")  # number inputs commit on blur or Enter


def wait_finished(root: Path, run_id: str, timeout: float) -> str:
    """The run's final status; fails with its log if it does not finish in time."""
    from braid_core import jobs
    from braid_core.runs import FINISHED, Workspace

    workspace = Workspace(root)
    deadline = time.monotonic() + timeout
    while (status := jobs.status(workspace, run_id)) not in FINISHED:
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if status != "done":
        log = workspace.run_path(run_id) / "log.txt"
        text = log.read_text(errors="replace") if log.is_file() else "(no log)"
        pytest.fail(f"run {run_id} is {status}, error {workspace.record(run_id).error}:\n{text}")
    return status


def finetune_ids(root: Path) -> list[str]:
    from braid_core.runs import Workspace

    return [r.id for r in Workspace(root).list_runs(kind="finetune")]


def download(page, label: str) -> bytes:
    settle(page)  # a click during a rerun can land on a button that is being replaced
    with page.expect_download() as info:
        page.get_by_role("button", name=label, exact=True).click()
    return Path(info.value.path()).read_bytes()


def test_every_page_shows_its_own_content(page, screenshot):
    page.goto("/")
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    for link, heading, text in PAGES:
        go(page, link, heading)
        page.get_by_text(text).first.wait_for()
        settle(page)
        no_exception(page)
        if link == "Data":
            assert metric(page, "designs") == f"{DEMO_DESIGNS:,}"
            assert metric(page, "design space") == "32 × protein"
            screenshot(page, "data")


def test_bad_upload_shows_a_plain_error(page, workspace_root):
    page.goto("/")
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    page.get_by_text("Upload a design table").wait_for()
    before = metric(page, "designs")
    upload = page.get_by_test_id("stFileUploader").filter(
        has_text="Upload a design table").locator('input[type="file"]')
    upload.set_input_files({"name": "broken.csv", "mimeType": "text/csv", "buffer": BAD_CSV})
    error = page.get_by_test_id("stAlert").filter(has_text="broken.csv")
    error.wait_for()
    message = error.inner_text()
    assert "row 2" in message and "not loaded" in message, message
    assert "row 2 'o**p**s'" in message, message  # quoted letter for letter, not made bold
    settle(page)
    no_exception(page)
    assert metric(page, "designs") == before  # the demo is still what is shown
    assert not list((workspace_root / "uploads").glob("*.csv"))


def test_a_plateau_upload_is_loaded_with_a_warning(page, workspace_root):
    # 30 of 40 designs at the best value: loaded and shown, with the plateau warning.
    rows = [f"{''.join(letters)},{1.0 if i < 30 else 0.5}" for i, letters in
            enumerate(itertools.islice(itertools.product("ACDEF", repeat=6), 40))]
    plateau = ("sequence,value\n" + "\n".join(rows) + "\n").encode()
    page.goto("/")
    page.get_by_text("Upload a design table").wait_for()
    upload = page.get_by_test_id("stFileUploader").filter(
        has_text="Upload a design table").locator('input[type="file"]')
    upload.set_input_files({"name": "plateau.csv", "mimeType": "text/csv", "buffer": plateau})
    warning = page.get_by_test_id("stAlert").filter(has_text="share the best value")
    warning.wait_for()
    assert "30 of 40 labeled designs (75%)" in warning.inner_text(), warning.inner_text()
    settle(page)
    no_exception(page)
    assert metric(page, "designs") == "40"
    assert len(list((workspace_root / "uploads").glob("*.csv"))) == 1
    # The warning's advice (fit each network shape) can be followed on the Reward page.
    assert "fit each (dilated, wide, average)" in warning.inner_text()
    go(page, "Reward model", "Reward model")
    shape = page.get_by_label("Network shape (sequences)", exact=True)
    assert shape.input_value().startswith("auto"), shape.input_value()


def test_new_measurements_join_a_data_set_as_a_new_one(page, workspace_root):
    # The plateau of the test above, then 12 designs measured above it: added, the combined
    # set is shown (no plateau left), and the upload it grew from is still listed.
    rows = [f"{''.join(letters)},{1.0 if i < 30 else 0.5}" for i, letters in
            enumerate(itertools.islice(itertools.product("ACDEF", repeat=6), 40))]
    more = [f"{''.join(letters)},2.0" for letters in
            itertools.islice(itertools.product("GHIKL", repeat=6), 12)]
    page.goto("/")
    page.get_by_text("Upload a design table").wait_for()
    page.get_by_test_id("stFileUploader").filter(has_text="Upload a design table").locator(
        'input[type="file"]').set_input_files({"name": "plateau.csv", "mimeType": "text/csv",
        "buffer": ("sequence,value\n" + "\n".join(rows) + "\n").encode()})  # fmt: skip
    page.get_by_text("Loaded plateau.csv").wait_for()
    settle(page)
    page.get_by_text("Add designs with values to this data set").click()
    page.get_by_test_id("stFileUploader").filter(has_text="File to add").locator(
        'input[type="file"]').set_input_files({"name": "round2.csv", "mimeType": "text/csv",
        "buffer": ("sequence,value\n" + "\n".join(more) + "\n").encode()})  # fmt: skip
    combined = "combined from plateau.csv (40 designs) and round2.csv (12 designs)"
    page.get_by_text(combined).wait_for()
    settle(page)
    no_exception(page)
    # A loaded machine may still show the last run's elements for a moment: wait them out.
    page.get_by_test_id("stAlert").filter(has_text="share the best value").wait_for(
        state="detached", timeout=30_000)
    assert metric(page, "designs") == "52" and metric(page, "best value") == "2"
    assert len(list((workspace_root / "uploads").glob("*.csv"))) == 2  # both kept


@needs_demo_models
def test_an_oracle_typed_for_other_designs_launches_nothing(page, workspace_root):
    # The shipped prior makes protein 32-mers; an Ehrlich instance of length 37 typed into the
    # oracle picker is refused at launch, with the reason, and no run is recorded.
    page.goto("/")
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    go(page, "Fine-tune", "Fine-tune")
    oracle = page.get_by_label("Oracle for true scores", exact=True)
    assert oracle.input_value() == "ehrlich-20-32"
    runs_before = finetune_ids(workspace_root)
    oracle.click()
    page.keyboard.type("37:2:1461")
    page.keyboard.press("Enter")
    settle(page)
    assert oracle.input_value() == "37:2:1461"
    page.get_by_role("button", name="Launch fine-tuning", exact=True).click()
    page.get_by_text("Nothing was launched: the oracle 37:2:1461 scores sequences of length 37 "
                     "over protein, but the prior makes sequences of length 32").wait_for()
    settle(page)
    no_exception(page)
    assert finetune_ids(workspace_root) == runs_before


@needs_demo_models
def test_finetune_then_explore_and_download(page, workspace_root, screenshot):
    page.goto("/")
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    go(page, "Fine-tune", "Fine-tune")
    page.get_by_label("Prior", exact=True).wait_for()
    assert "shipped prior" in page.get_by_label("Prior", exact=True).input_value()
    assert "shipped reward model" in page.get_by_label("Reward model", exact=True).input_value()
    set_number(page, "Steps", STEPS)
    set_number(page, "Batch size", BATCH)
    set_number(page, "Designs to sample", DESIGNS)
    page.get_by_role("button", name="Launch fine-tuning", exact=True).click()

    deadline = time.monotonic() + 30
    while not (ids := finetune_ids(workspace_root)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(ids) == 1, "the Launch button started no run (or several)"
    run_id = ids[0]
    wait_finished(workspace_root, run_id, FINETUNE_TIMEOUT)
    # The page notices on its own: the live panel empties and the comparison shows the run.
    page.get_by_text("No runs in progress.").wait_for(timeout=30_000)
    page.get_by_text("Final numbers per setting").wait_for(timeout=30_000)
    settle(page)
    no_exception(page)
    top(page, page.get_by_role("heading", name="Compare runs", exact=True))
    screenshot(page, "finetune")

    go(page, "Explore", "Explore")
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.locator("canvas, svg").first.wait_for()
    page.get_by_text("All designs").wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    page.get_by_text(f"{DESIGNS} designs to download").wait_for()
    settle(page)
    no_exception(page)
    screenshot(page, "explore")

    rows = list(csv.DictReader(io.StringIO(download(page, "Download CSV").decode())))
    assert len(rows) == DESIGNS
    assert {"sequence", "predicted_mean", "uncertainty", "conservative_score"} <= set(rows[0])
    assert all(SEQUENCE.match(row["sequence"]) for row in rows), rows[0]
    assert all(row["run"] == run_id for row in rows)
    float(rows[0]["predicted_mean"]), float(rows[0]["uncertainty"])

    fasta = download(page, "Download FASTA").decode().splitlines()
    headers, sequences = fasta[0::2], fasta[1::2]
    assert len(headers) == DESIGNS and all(h.startswith(">design") for h in headers)
    assert "predicted_mean=" in headers[0] and "uncertainty=" in headers[0]
    assert sorted(sequences) == sorted(row["sequence"] for row in rows)

    configs = json.loads(download(page, "Download run configs (JSON)"))
    assert list(configs) == [run_id]
    assert configs[run_id]["finetune"]["steps"] == STEPS
    assert configs[run_id]["num_designs"] == DESIGNS

    go(page, "Runs", "Runs")
    page.get_by_text("status done").first.wait_for()
    assert page.get_by_label("Run details", exact=True).input_value().startswith(f"{run_id} · ")
    settle(page)
    no_exception(page)
    screenshot(page, "runs")


def test_design_in_one_go_then_explore(page, workspace_root, screenshot):
    """The demo's files through the whole pipeline from the Design page (a short budget),
    with true scores from the demo's oracle, then its designs on Explore."""
    from braid_core.runs import Workspace

    page.goto("/design")
    page.get_by_role("heading", name="Design", exact=True).wait_for()
    # Earlier tests uploaded other data, which the pickers prefer: choose the demo's files.
    for label, option in (("Valid designs to pre-train the prior on", "unlabeled designs"),
                          ("Designs with measured values (the reward model's data)",
                           "offline designs with values")):
        page.get_by_label(label, exact=True).click()
        page.get_by_role("option", name=f"demo ehrlich-20-32: {option}").click()
        settle(page)
    set_number(page, "Time budget (minutes)", 0.4)
    set_number(page, "Designs", DESIGNS)
    page.get_by_role("button", name="Launch the whole pipeline", exact=True).click()
    page.get_by_text("status: running").first.wait_for(timeout=60_000)
    [run] = Workspace(workspace_root).list_runs(kind="design")
    page.get_by_text("pre-training, step").first.wait_for(timeout=30_000)  # the step under way
    if SCREENSHOTS:
        page.wait_for_timeout(4_000)  # a few points of the pre-training curve
        top(page, page.get_by_role("heading", name="In progress", exact=True))
        screenshot(page, "design")
    wait_finished(workspace_root, run.id, FINETUNE_TIMEOUT)
    page.get_by_role("heading", name="Finished", exact=True).wait_for(timeout=30_000)
    settle(page)
    no_exception(page)
    summary = Workspace(workspace_root).record(run.id).summary
    assert summary["num_designs"] == DESIGNS and 0 <= summary["validity"] <= 1
    here = list(csv.DictReader(io.StringIO(download(page, "Download CSV").decode())))
    assert len(here) == DESIGNS and "conservative_score" in here[0]

    page.goto(f"/explore?run={run.id}")  # this run alone (earlier tests made others)
    page.get_by_role("heading", name="Explore", exact=True).wait_for()
    page.get_by_text(f"{DESIGNS} designs to download").wait_for()
    settle(page)
    no_exception(page)
    rows = list(csv.DictReader(io.StringIO(download(page, "Download CSV").decode())))
    assert len(rows) == DESIGNS and all(SEQUENCE.match(row["sequence"]) for row in rows)
    assert all(row["run"] == run.id for row in rows) and "true_score" in rows[0]


@needs_demo_models
def test_cancel_stops_a_running_finetune(page, workspace_root):
    page.goto("/finetune")
    page.get_by_role("heading", name="Fine-tune", exact=True).wait_for()
    page.get_by_label("Steps", exact=True).wait_for()
    before = set(finetune_ids(workspace_root))
    set_number(page, "Steps", 100_000)
    set_number(page, "Batch size", 4)
    set_number(page, "Designs to sample", DESIGNS)
    page.get_by_role("button", name="Launch fine-tuning", exact=True).click()
    page.get_by_text("status: running").first.wait_for(timeout=60_000)
    (run_id,) = set(finetune_ids(workspace_root)) - before
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.get_by_text("No runs in progress.").wait_for(timeout=30_000)
    from braid_core.runs import Workspace

    assert Workspace(workspace_root).record(run_id).status == "cancelled"
    no_exception(page)
