#!/usr/bin/env bash
# Sets up the machine (missing Debian packages) and runs the whole test suite, optimised
# (numerical tests train small networks; a debug build would be ~20x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-build
export OPENBLAS_CORETYPE=Haswell
log=$(mktemp)
set +e
swift test -c release -Xswiftc -enable-testing --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1)
if [ -n "$summary" ]; then
    total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
    failed=$(echo "$summary" | sed -E 's/.*with ([0-9]+) failures?.*/\1/')
    echo "tests: $((total - failed)) passed, $failed failed"
fi
rm -f "$log"
exit "$status"
