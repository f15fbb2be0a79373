#!/usr/bin/env bash
# Install the system Chromium that tests/browser drives through the `playwright` package.
# Idempotent and quiet; uses Debian's package (no `playwright install`, no browser download
# from anywhere else). Set BRAID_CHROMIUM to use a Chromium at another path instead.
set -euo pipefail
chromium="${BRAID_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1; then
    $sudo apt-get update -qq
fi
$sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$chromium" --version
