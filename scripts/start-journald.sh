#!/bin/sh
# sharkfin-relay: start systemd-journald outside systemd (CI containers), idempotently.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: scripts/start-journald.sh [timeout-seconds]
# Exits 0 once /run/systemd/journal/socket accepts entries, 1 on timeout or when
# journald cannot be found. Safe to run many times, from the CI script and from tests
# at once: a second start while one is running just waits for the same socket.
set -eu

socket=/run/systemd/journal/socket
timeout=${1:-10}
log=/run/sharkfin-journald.log

journald=
for candidate in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
    if [ -x "$candidate" ]; then journald=$candidate; break; fi
done

is_up() {
    [ -S "$socket" ] && pgrep -x systemd-journal >/dev/null 2>&1
}

if ! is_up; then
    if [ -z "$journald" ]; then
        echo "start-journald: systemd-journald not found" >&2
        exit 1
    fi
    mkdir -p /run/systemd/journal /run/log/journal
    # flock keeps concurrent callers from starting two daemons; the one that loses the
    # race only waits for the socket below.
    (
        flock -n 9 || exit 0
        if ! is_up; then
            setsid "$journald" </dev/null >>"$log" 2>&1 9>&- &
        fi
    ) 9>/run/sharkfin-journald.lock
fi

deadline=$(( $(date +%s) + timeout ))
while ! is_up; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "start-journald: $socket did not appear within ${timeout}s (see $log)" >&2
        exit 1
    fi
    sleep 0.1
done
exit 0
