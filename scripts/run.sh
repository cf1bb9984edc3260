#!/usr/bin/env bash
# The README's main-job command: install archiver into .venv, register the URLs the seed
# documents cite, capture them once, then run the daemon on the default configuration
# (config.toml, data in snapshots/) until Ctrl-C or SIGTERM. The install is skipped when
# pyproject.toml has not changed since the last one (a stamp in .venv records its digest).
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${1:-../shared/seeds}"
STAMP=.venv/.archiver-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/archiver ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e .
  echo "$want" > "$STAMP"
fi
.venv/bin/archiver import "$SEEDS"/*
exec .venv/bin/archiver run
