#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, one debug build with warnings as errors,
# every Swift test (unit and integration against real peers), then the Autobahn
# WebSocket conformance cases. Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Real journald for the journal tests (root only; elsewhere those tests return early).
if [ "$(id -u)" -eq 0 ] && [ -x scripts/start-journald.sh ]; then
    scripts/start-journald.sh
fi

scripts/check-style.sh
swift format lint --strict --recursive Sources Tests

swift build --build-tests -Xswiftc -warnings-as-errors

log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test --skip-build 2>&1 | tee "$log"
swift_tests=$(sed -n 's/.*Test run with \([0-9]*\) tests.* passed.*/\1/p' "$log" | tail -1)

scripts/autobahn/run.sh 2>&1 | tee "$log"
# Conformant verdicts: pass, non-strict and informational (failures already exited above).
autobahn_passed=$(grep '^autobahn: [0-9]* cases:' "$log" | tail -1 \
    | awk '{ print $4 + $6 + $8 }')

echo "swift tests: ${swift_tests:-0}; autobahn cases: ${autobahn_passed:-0}"
echo "tests: $(( ${swift_tests:-0} + ${autobahn_passed:-0} )) passed, 0 failed"
