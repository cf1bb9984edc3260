#!/usr/bin/env bash
# Installs archiver with its test dependencies into .venv (and Chromium from Debian for the
# browser tests, biber for the citation tests, PostgreSQL for the shared-index tests), then runs the whole test suite. This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each Debian package whose command is missing (a machine may have Chromium but not its driver).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v biber >/dev/null 2>&1 || missing+=(biber)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# PostgreSQL for the tests of the shared index (tests/pgserver.py starts its own server as the
# postgres user); Debian keeps initdb and pg_ctl in /usr/lib/postgresql/<version>/bin.
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "warning: could not install ${missing[*]}; browser, citation and PostgreSQL tests will fail" >&2
  else
    echo "warning: ${missing[*]} missing (run as root to install them); browser, citation and PostgreSQL tests will fail" >&2
  fi
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'
# ReplayWeb.page for the replay tests (tests/test_fidelity.py): its package from the npm registry,
# which ships the built ui.js and sw.js. `npm pack`, not `npm install`: the app needs none of the
# build-time dependencies an install would resolve.
if [ ! -f .cache/replaywebpage/package/sw.js ] && command -v npm >/dev/null 2>&1; then
  mkdir -p .cache/replaywebpage
  (cd .cache/replaywebpage && npm pack -q replaywebpage@2.5.3 >/dev/null && tar xzf replaywebpage-2.5.3.tgz) \
    || echo "warning: could not fetch replaywebpage from npm; the ReplayWeb.page tests will fail" >&2
fi
.venv/bin/python -m pytest -p no:cacheprovider -q "$@"
