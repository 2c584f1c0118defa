#!/usr/bin/env bash
# Installs what building and testing sharkfin-relay needs on Debian: the C libraries
# behind our C modules, socat for trying the socket by hand, systemd's tools for the
# integration tests, and the Python peers the tests run. Idempotent; needs root (or sudo)
# only when something is missing.
set -euo pipefail

packages=(libsystemd-dev libssl-dev pkg-config socat systemd)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

here=$(cd "$(dirname "$0")" && pwd)
if ! python3 -c 'import websockets, kosoku' 2>/dev/null; then
    echo "setup: installing the Python test peers (websockets, kosoku)"
    python3 -m pip install -q -r "$here/requirements-test.txt"
fi
