#!/usr/bin/env bash
# Start-up: `socializer --version` against `sqlite3 --version` (SPEC §9:
# within 2x), and the cron job's start-up, `tokens purge` on an empty
# table, against sqlite3 running the same DELETE. Prints medians of 200
# runs and the ratios.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-200}
if ldd "$bin" | grep -q libswift; then echo "warning: the binary links the Swift runtime dynamically" >&2; fi
ours=$(median_ms "$runs" "$bin" --version)
theirs=$(median_ms "$runs" sqlite3 --version)
echo "socializer --version: ${ours} ms   sqlite3 --version: ${theirs} ms   ratio: $(ratio "$ours" "$theirs")"

folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
"$bin" --db "$folder/cron.db" -q migrate up >/dev/null
purge=$(median_ms "$runs" "$bin" --db "$folder/cron.db" tokens purge --yes)
delete=$(median_ms "$runs" sqlite3 "$folder/cron.db" \
    "DELETE FROM token_blacklist WHERE expires_at < strftime('%Y-%m-%d %H:%M:%f', 'now')")
echo "socializer tokens purge (empty): ${purge} ms   sqlite3 DELETE: ${delete} ms   ratio: $(ratio "$purge" "$delete")"
