#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, one debug build with warnings as errors,
# every Swift test (unit and integration against real peers), then the Autobahn
# WebSocket conformance cases.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Real journald for the journal tests (root only; elsewhere those tests say why they skip).
if [ "$(id -u)" -eq 0 ] && [ -x scripts/start-journald.sh ]; then
    scripts/start-journald.sh
fi

scripts/check-style.sh

swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build

if [ -x scripts/autobahn/run.sh ]; then
    scripts/autobahn/run.sh
fi
