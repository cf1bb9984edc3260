#!/usr/bin/env bash
# Installs archiver with its test dependencies into .venv (and Chromium from Debian for the
# browser tests, biber for the citation tests), then runs the whole test suite. This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! command -v biber >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver biber >/dev/null) \
      || echo "warning: could not install chromium/biber; browser and citation tests will fail" >&2
  fi
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'
.venv/bin/python -m pytest -p no:cacheprovider -q "$@"
