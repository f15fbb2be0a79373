#!/usr/bin/env bash
# Set up .venv (if needed) and start the dashboard on its built-in demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m streamlit run dashboard/app.py \
    --browser.gatherUsageStats=false --server.headless=true "$@"
