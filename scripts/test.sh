#!/usr/bin/env bash
# Set up .venv (if needed) and run the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian chromium for tests/browser; without it (no root, no sudo) those tests are skipped.
bash scripts/install_browser.sh || echo "chromium could not be installed: browser tests skip"
exec .venv/bin/python -m pytest -q "$@"
