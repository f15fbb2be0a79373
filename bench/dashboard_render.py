"""Render time of every dashboard page with 10,000 designs in the workspace (AppTest).

    python bench/dashboard_render.py [--designs 10000] [--runs 4] [--repeats 3]

Builds a temporary workspace with `--runs` finished fine-tuning runs (two settings, seeds
pooled; 200 metric rows each) holding `--designs` designs between them, opens each page
through the app's navigation with all runs chosen (?run=...), and prints the first (cold
cache) and the median warm render time per page. AppTest runs the script in this process, so
the times are server-side script times, without the browser's drawing.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from braid_core import pipeline  # noqa: E402
from braid_core.runs import Workspace  # noqa: E402

PAGES = ["data", "prior", "reward", "finetune", "explore", "runs"]
ALPHABET = np.array(list("ACDEFGHIKLMNPQRSTVWY"))


def fill(ws: Workspace, designs: int, runs: int, rng: np.random.Generator) -> list[str]:
    ids = []
    for index in range(runs):
        c, seed = (0.5, 2.0)[index % 2], index // 2
        config = pipeline.finetune_config("prior", "reward", c=c, seed=seed, steps=200)
        run = ws.create_run("finetune", config)
        for step in range(1, 201):
            run.append_metrics({"step": step, "reward": np.log(step) + rng.normal(0, 0.1),
                                "uncertainty": 0.1, "kl": 0.01 * step, "loss": -step,
                                "true_score_median": 0.5})  # fmt: skip
        n = designs // runs
        mean, u = rng.random(n), rng.random(n) * 0.3
        table = pd.DataFrame({
            "sequence": ["".join(row) for row in rng.choice(ALPHABET, (n, 32))],
            "predicted_mean": mean, "uncertainty": u, "conservative_score": mean - c * u,
            "true_score": rng.random(n), "valid": True,
        })  # fmt: skip
        run.write_designs(table)
        ws.set_status(run.id, "running")
        ws.set_summary(run.id, {"true_score_median": float(np.median(mean))})
        ws.set_status(run.id, "done")
        ids.append(run.id)
    return ids


def time_page(page: str, query: dict[str, str], repeats: int) -> tuple[float, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    times = []
    for attempt in range(repeats + 1):
        at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=120)
        at.run()
        if attempt == 0:  # cold: nothing cached (as after a server start)
            st.cache_data.clear()
            st.cache_resource.clear()
        at.switch_page(f"app_pages/{page}.py")
        at.query_params.update(query)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
    return times[0], statistics.median(times[1:])


def time_slider(query: dict[str, str], ws: Workspace, repeats: int) -> tuple[float, int]:
    """Median time of the Explore rerun after moving the c slider; runs launched meanwhile."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/explore.py")
    at.query_params.update(query)
    at.run()
    before = len(ws.list_runs())
    times = []
    from dashboard.state import C_GRID

    options = list(C_GRID)
    for index in range(max(repeats, 1) + 1):
        value = options[(3 + 2 * index) % len(options)]
        start = time.perf_counter()
        at.select_slider(key="explore_c").set_value(value).run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"explore slider: {at.exception[0].message}")
    return statistics.median(times), len(ws.list_runs()) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" notes of bare mode
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BRAID_HOME"] = tmp
        from dashboard import demo

        if not demo.DEMO_OFFLINE.is_file():  # assets not made yet: export the demo task
            from braid_core.tasks import get_task

            get_task(demo.DEMO_TASK).export(Path(tmp) / "demo", seed=0)
            demo.DEMO_OFFLINE = Path(tmp) / "demo" / "offline.csv"
            demo.DEMO_UNLABELED = Path(tmp) / "demo" / "unlabeled.csv"
        ids = fill(Workspace(tmp), args.designs, args.runs, np.random.default_rng(0))
        query = {"run": ",".join(ids)}
        print(f"{args.designs} designs in {args.runs} runs; times in seconds (AppTest)")
        lines = ["| page | cold s | warm s |", "|---|---|---|"]
        for page in PAGES:
            cold, warm = time_page(page, query, args.repeats)
            lines.append(f"| {page} | {cold:.3f} | {warm:.3f} |")
            print(lines[-1], flush=True)
        moved, launched = time_slider(query, Workspace(tmp), args.repeats)
        lines.append(f"\nExplore, moving the c slider: {moved:.3f} s per rerun (median); "
                     f"runs launched by it: {launched}.")
        print(lines[-1])
    command = "python " + " ".join([sys.argv[0], *sys.argv[1:]])
    (REPO / "bench" / "results" / "dashboard_render.md").write_text(
        f"# Dashboard render times\n\nCommand: `{command}`\n\n{args.designs} designs in "
        f"{args.runs} runs, server-side script time (AppTest), {platform.processor() or 'CPU'}."
        "\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
