#!/usr/bin/env bash
# sharkfin-relay: runs the Autobahn TestSuite cases 1-10 (through kosoku's fuzzing server)
# against our WebSocket client and summarises the verdicts.
# SPDX-License-Identifier: Apache-2.0
#
#     scripts/autobahn/run.sh [--release] [--keep] [-- extra kosoku arguments]
#
# Cases 12.* and 13.* (permessage-deflate) are excluded: we negotiate no extensions.
# Exits non-zero when any case FAILED (or could not be run); NON-STRICT and INFORMATIONAL
# verdicts are conformant and only counted. The report is in .build/autobahn/ (index.html).
set -euo pipefail
cd "$(dirname "$0")/../.."

configuration=debug
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --release) configuration=release ;;
        --keep) keep=1 ;;
        --) shift; break ;;
        *) echo "usage: $0 [--release] [--keep] [-- kosoku arguments]" >&2; exit 2 ;;
    esac
    shift
done

out=.build/autobahn
rm -rf "$out"
mkdir -p "$out"

swift build -c "$configuration" --product autobahn-client
client="$(swift build -c "$configuration" --show-bin-path)/autobahn-client"

# A free port from the kernel: bind to 0, read it, release it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

kosoku -m fuzzingserver "127.0.0.1:$port" -x '12.*' -x '13.*' -o "$out" "$@" \
    >"$out/kosoku.log" 2>&1 &
server=$!
cleanup() {
    if [ "$keep" -eq 0 ] && kill -0 "$server" 2>/dev/null; then kill "$server"; fi
}
trap cleanup EXIT

# Wait (at most 10 s) for the fuzzing server to listen.
for _ in $(seq 100); do
    if grep -q "listening" "$out/kosoku.log" 2>/dev/null; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$out/kosoku.log" >&2; exit 1; fi
    sleep 0.1
done

started=$(date +%s)
timeout 1800 "$client" --url "ws://127.0.0.1:$port" --agent sharkfin-relay
echo "autobahn: client finished in $(( $(date +%s) - started )) s"

# The server writes index.json when the client asks for /updateReports.
for _ in $(seq 100); do
    [ -f "$out/index.json" ] && break
    sleep 0.1
done

python3 - "$out/index.json" <<'PY'
import json
import sys
from collections import Counter

with open(sys.argv[1]) as file:
    index = json.load(file)
cases = index.get("sharkfin-relay", {})
if not cases:
    print("autobahn: no results for agent sharkfin-relay")
    sys.exit(1)

def key(case_id):
    return [int(part) for part in case_id.split(".")]

acceptable = {"OK", "NON-STRICT", "INFORMATIONAL"}
counts = Counter()
failed = []
for case_id in sorted(cases, key=key):
    result = cases[case_id]
    behavior, close = result["behavior"], result["behaviorClose"]
    if behavior not in acceptable or close not in {"OK", "INFORMATIONAL"}:
        counts["failed"] += 1
        failed.append(f"  {case_id}: behavior {behavior}, close {close}")
    elif behavior == "NON-STRICT":
        counts["non-strict"] += 1
    elif behavior == "INFORMATIONAL" or close == "INFORMATIONAL":
        counts["informational"] += 1
    else:
        counts["pass"] += 1
    if result.get("duration", 0) > 2000:
        print(f"  slow: {case_id} took {result['duration']} ms")

print(f"autobahn: {len(cases)} cases: {counts['pass']} pass, {counts['non-strict']} non-strict, "
      f"{counts['informational']} informational, {counts['failed']} failed")
for line in failed:
    print(line)
sys.exit(1 if failed else 0)
PY
