#!/usr/bin/env bash
# Start-up: `socializer --version` against `sqlite3 --version` (SPEC §9:
# within 2x). Prints medians of 200 runs and the ratio.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-200}
if ldd "$bin" | grep -q libswift; then echo "warning: the binary links the Swift runtime dynamically" >&2; fi
ours=$(median_ms "$runs" "$bin" --version)
theirs=$(median_ms "$runs" sqlite3 --version)
echo "socializer --version: ${ours} ms   sqlite3 --version: ${theirs} ms   ratio: $(ratio "$ours" "$theirs")"
