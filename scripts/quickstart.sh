#!/usr/bin/env bash
# One command from a fresh clone to a working relay: installs the system packages,
# builds, starts the bundled development server (alice and bob) and a relay for alice,
# then shows a message travelling through the relay's socket with socat.
#
#   scripts/quickstart.sh            demo, then keep both running until Ctrl-C
#   scripts/quickstart.sh --no-wait  demo, then stop everything (used by the tests)
set -euo pipefail
cd "$(dirname "$0")/.."

wait_at_end=1
[ "${1:-}" = "--no-wait" ] && wait_at_end=0

scripts/setup.sh
echo "quickstart: building (the first build takes a few minutes)"
swift build --product sharkfin-devserver
swift build --product sharkfin-relay
bin=$(swift build --show-bin-path)

work=$(mktemp -d /tmp/sharkfin-quickstart.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$bin/sharkfin-devserver" --listen 127.0.0.1:0 \
    --user alice:alice-key --user bob:bob-key >"$work/devserver.out" 2>"$work/devserver.log" &
pids+=($!)
for _ in $(seq 100); do
    grep -q 'listening on' "$work/devserver.out" 2>/dev/null && break
    sleep 0.1
done
address=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/devserver.out" | head -1)
[ -n "$address" ] || { echo "devserver did not start:"; cat "$work/devserver.log"; exit 1; }
echo "quickstart: development server on $address (users alice, bob)"

umask 077
printf 'alice-key\n' >"$work/alice.key"
socket="$work/relay.sock"
"$bin/sharkfin-relay" serve --url "ws://$address/ws" --api-key-file "$work/alice.key" \
    --socket "$socket" 2>"$work/relay.log" &
pids+=($!)
for _ in $(seq 100); do
    [ -S "$socket" ] && "$bin/sharkfin-relay" status --socket "$socket" 2>/dev/null \
        | grep -q 'connected' && break
    sleep 0.1
done
echo "quickstart: relay for alice on $socket"
echo

# A local program that listens: socat, subscribed to message.new only.
(
    printf '%s\n' '{"type":"relay.subscribe","ref":"w","d":{"types":["message.new"]}}'
    sleep 3
) | socat - "UNIX-CONNECT:$socket" >"$work/watcher.out" &
pids+=($!)
sleep 0.5

# Another local program that talks, through the same relay and the same session.
echo "\$ socat - UNIX-CONNECT:$socket   (typing two requests)"
printf '%s\n' \
    '{"type":"channel_join","ref":"j1","d":{"channel":"general"}}' \
    '{"type":"send_message","ref":"m1","d":{"channel":"general","body":"hello from quickstart"}}' \
    | socat -t 2 - "UNIX-CONNECT:$socket" | sed 's/^/< /'
sleep 1
echo
echo "what the listening program received:"
grep '"type":"message.new"' "$work/watcher.out" | sed 's/^/< /' \
    || { echo "no message arrived; relay log:"; cat "$work/relay.log"; exit 1; }
echo
"$bin/sharkfin-relay" status --socket "$socket"

if [ "$wait_at_end" = 1 ]; then
    echo
    echo "The relay keeps running. Try it yourself in another terminal:"
    echo "  socat - UNIX-CONNECT:$socket"
    echo '  {"type":"relay.help"}'
    echo "  $bin/sharkfin-relay watch --socket $socket"
    echo "Press Ctrl-C to stop."
    wait
fi
