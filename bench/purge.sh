#!/usr/bin/env bash
# Purge benchmark (SPEC §9): EXPIRED of TOTAL revoked tokens (~1 GB with the
# defaults), rollback journal, default page cache. Times one bare DELETE
# through the expiry index in the sqlite3 shell against `socializer tokens
# purge` on an identical copy, and reports the ratio and the longest batch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
total=${TOTAL:-2000000}
expired=${EXPIRED:-1000000}
work=${WORK:-$(mktemp -d -p "${TMPDIR:-/tmp}")}
trap 'rm -rf "$work"' EXIT
db="$work/tokens.db"

echo "building $total tokens ($expired expired) in $work ..."
"$bin" --db "$db" -q migrate up >/dev/null
sqlite3 "$db" <<SQL
PRAGMA journal_mode = ${JOURNAL:-DELETE};
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $total)
INSERT INTO token_blacklist (token, expires_at, created_at, user_id, reason)
SELECT 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' || hex(randomblob(${PAYLOAD_BYTES:-110})) || '.' || hex(randomblob(22)),
       CASE WHEN abs(random()) % $total < $expired THEN '2026-01-01 00:00:00.000000' ELSE '2099-01-01 00:00:00.000000' END,
       '2025-12-01 00:00:00.000000', NULL, 'logout'
FROM n;
SQL
to_purge=$(sqlite3 "$db" "SELECT count(*) FROM token_blacklist WHERE expires_at < '2026-06-01'")
echo "file: $(du -h "$db" | cut -f1), rows to purge: $to_purge"
purge_against_delete "$bin" "$db" "DELETE FROM token_blacklist WHERE expires_at < '2026-06-01 00:00:00.000000';" \
    tokens purge --before 2026-06-01
echo "rows left to purge: $(sqlite3 "$db" "SELECT count(*) FROM token_blacklist WHERE expires_at < '2026-06-01'")"
