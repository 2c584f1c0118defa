#!/usr/bin/env bash
# Measures the relay and prints figures: memory with 10,000 idle local clients and
# fan-out throughput. Uses a release build unless --debug is given. Loopback only.
#
#   scripts/bench.sh [--debug] [--clients N] [--subscribers N] [--messages N]
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=release
clients=10000
subscribers=100
messages=2000
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) configuration=debug ;;
        --clients) clients=$2; shift ;;
        --subscribers) subscribers=$2; shift ;;
        --messages) messages=$2; shift ;;
        *) echo "usage: $0 [--debug] [--clients N] [--subscribers N] [--messages N]" >&2; exit 2 ;;
    esac
    shift
done

swift build -c "$configuration" --product sharkfin-relay
swift build -c "$configuration" --product sharkfin-devserver
bin=$(swift build -c "$configuration" --show-bin-path)

work=$(mktemp -d /tmp/sharkfin-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$bin/sharkfin-devserver" --listen 127.0.0.1:0 --user alice:alice-key \
    --outbound-limit 100000 >"$work/devserver.out" 2>"$work/devserver.log" &
pids+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$work/devserver.out" && break; sleep 0.1; done
address=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/devserver.out" | head -1)

printf 'alice-key\n' >"$work/key"
chmod 600 "$work/key"
"$bin/sharkfin-relay" serve --url "ws://$address/ws" --api-key-file "$work/key" \
    --socket "$work/relay.sock" --max-clients $((clients + 1000)) --config /dev/null \
    --log-level warning 2>"$work/relay.log" &
relay=$!
pids+=($relay)
for _ in $(seq 100); do
    "$bin/sharkfin-relay" status --socket "$work/relay.sock" 2>/dev/null | grep -q connected \
        && break
    sleep 0.1
done

echo "sharkfin-relay benchmark ($configuration build, $(nproc) cores)"
python3 scripts/bench/relay_load.py idle "$work/relay.sock" "$relay" "$clients"
python3 scripts/bench/relay_load.py fanout "$work/relay.sock" "$subscribers" "$messages"
