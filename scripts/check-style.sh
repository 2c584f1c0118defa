#!/usr/bin/env bash
# Mechanical style rules every change keeps: Swift lines within 100 columns, no tabs,
# a license header in every source file.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
while IFS= read -r file; do
    if awk 'length > 100 { printf "%s:%d: line is %d columns (limit 100)\n", FILENAME, FNR, length; bad=1 } END { exit bad }' "$file"; then :; else status=1; fi
    if grep -nP '\t' "$file" >/dev/null; then
        echo "$file: contains a tab"; status=1
    fi
    if ! head -3 "$file" | grep -q 'SPDX-License-Identifier'; then
        echo "$file: missing the license header"; status=1
    fi
done < <(git ls-files '*.swift' | grep -v '^Package.swift$')
exit $status
