"""BRAID Studio dashboard entry point: page set-up and navigation, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repository root.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from dashboard import state  # noqa: E402

PAGES = [  # (file, title, url path)
    ("app_pages/data.py", "Data", "data"),
    ("app_pages/design.py", "Design", "design"),
    ("app_pages/prior.py", "Prior", "prior"),
    ("app_pages/reward.py", "Reward model", "reward"),
    ("app_pages/finetune.py", "Fine-tune", "finetune"),
    ("app_pages/explore.py", "Explore", "explore"),
    ("app_pages/runs.py", "Runs", "runs"),
]

st.set_page_config(page_title="BRAID Studio", layout="wide")
state.workspace()  # opens the workspace and, once per server, reconciles dead jobs
here = Path(__file__).resolve().parent
pages = [st.Page(here / path, title=title, url_path=url) for path, title, url in PAGES]


def open_data_page() -> None:
    """The root URL. Streamlit serves its default page at / alone, so were Data the default,
    /data would be "Page not found"; this hidden default sends / on to /data instead."""
    st.switch_page(pages[0], query_params=st.query_params.to_dict())


navigation = st.navigation(
    [st.Page(open_data_page, title="Data", url_path="start", default=True,
             visibility="hidden"), *pages]
)
navigation.run()
