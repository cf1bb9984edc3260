#!/usr/bin/env bash
# The README's main-job command: install archiver into .venv, register the URLs the seed
# documents cite, capture them once, then run the daemon on the default configuration
# (config.toml, data in snapshots/) until Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${1:-../shared/seeds}"
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e .
.venv/bin/archiver import "$SEEDS"/*
exec .venv/bin/archiver run
