#!/usr/bin/env bash
# The verbs that run on PostgreSQL, on a 100,000-user database, against the
# same query typed into psql (issue 16 item 8: within 2x), and the cron
# job's `tokens purge` on an empty table against psql running the DELETE.
# Needs a server: run it under .ci/with-postgres, which sets
# SOCIALIZER_TEST_POSTGRES_URL (a throwaway server on a Unix socket):
#   .ci/with-postgres bench/postgres.sh
# Medians of 50 runs. Each run of either tool is a new process and a new
# connection (authentication included), as a cron job or a shell's is.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
url=${SOCIALIZER_TEST_POSTGRES_URL:?run under .ci/with-postgres (or set SOCIALIZER_TEST_POSTGRES_URL)}
bin=$(release_binary)
runs=${RUNS:-50}
schema="bench_$$"
psql -X -q "$url" -c "CREATE SCHEMA $schema"
trap 'psql -X -q "$url" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true' EXIT
# The tables in their own schema, for socializer and psql alike.
db="$url&options=-csearch_path%3D$schema"
export SOCIALIZER_EMAIL_KEY=bench-email-key-0123456789
"$bin" --db "$db" -q migrate up >/dev/null
psql -X -q "$db" <<'SQL'
INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
SELECT 'user' || i, '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm', 'hmac-sha256:' || md5(i::text), NULL
FROM generate_series(1, 100000) AS i;
ANALYZE;
SQL
cols="id, username, role, is_active, temperature, member_since, messages, llm_provider, llm_endpoint, llm_model"

bench() {
    local label=$1 ours theirs; shift
    ours=$(median_ms "$runs" "$bin" --db "$db" "$@")
    theirs=$(median_ms "$runs" psql -X -A -t "$db" -c "$PSQL_QUERY")
    printf '%-32s socializer %7s ms   psql %7s ms   ratio %s\n' "$label" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
}
PSQL_QUERY="SELECT $cols FROM users WHERE username = 'user77777'" bench "users show user77777" users show user77777
PSQL_QUERY="SELECT $cols FROM users ORDER BY id LIMIT 50" bench "users list --limit 50" users list --limit 50
PSQL_QUERY="SELECT $cols FROM users ORDER BY username COLLATE \"C\", id LIMIT 50" bench "users list --sort username --limit 50" users list --sort username --limit 50
PSQL_QUERY="DELETE FROM token_blacklist WHERE expires_at < now() AT TIME ZONE 'utc'" bench "tokens purge (empty)" tokens purge
