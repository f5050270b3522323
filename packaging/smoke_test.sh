#!/usr/bin/env bash
# Smoke-test the one-folder bundle outside any virtual environment: version, a small demo,
# a screenshot of the window (offscreen), each must exit 0. Usage: packaging/smoke_test.sh [DIST]
set -euo pipefail
DIST="${1:-dist/workbench}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
run() {
    # a bare environment: no virtualenv, no PYTHONPATH, a fresh home
    env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
        WORKBENCH_NO_FIRST_START=1 "$DIST/workbench" "$@"
}
mkdir -p "$WORK/home"
run --version | grep -q "^workbench "
run demo --scale small --cache "$WORK/demo.duckdb" >/dev/null
run search candidates --cache "$WORK/demo.duckdb" --limit 3 --format json | grep -q '"total"'
run screenshot "$WORK/shot.png" --cache "$WORK/demo.duckdb" >/dev/null
test -s "$WORK/shot.png"
run about --format json | grep -q '"sources"'
run -m workbench.plugins.cvr.map_worker </dev/null  # the cvr plugin's mapping worker starts
test -d "$DIST/_internal/workbench/resources/seed" || test -d "$DIST/workbench/resources/seed"
echo "bundle smoke test: ok ($(du -sh "$DIST" | cut -f1))"
