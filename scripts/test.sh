#!/usr/bin/env bash
# Sets up the machine (missing Debian packages) and runs the whole test suite, optimised
# (numerical tests train small networks; a debug build would be ~20x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-build
export OPENBLAS_CORETYPE=Haswell OPENBLAS_THREAD_TIMEOUT=4
log=$(mktemp)
set +e
swift test -c release -Xswiftc -enable-testing --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# XCTest's last "Executed" line is the grand total, e.g.
# "Executed 200 tests, with 2 tests skipped and 0 failures (0 unexpected) in ...".
summary=$(grep -E "Executed [0-9]+ tests?, with" "$log" | tail -1)
if [ -n "$summary" ]; then
    total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
    failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
    skipped=0
    echo "$summary" | grep -qE "[0-9]+ tests? skipped" && skipped=$(echo "$summary" | sed -E 's/.*with ([0-9]+) tests? skipped.*/\1/')
    echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
rm -f "$log"
exit "$status"
