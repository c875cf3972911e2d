#!/usr/bin/env bash
# Typical user commands on a 100,000-user database against the same query
# typed into the sqlite3 shell (SPEC §9: within 2x). Medians of 50 runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/users.db"
export SOCIALIZER_EMAIL_KEY=bench-email-key-0123456789 SOCIALIZER_DB="$db"
"$bin" -q migrate up >/dev/null
# 100,000 users straight through SQLite (hashing 100,000 bcrypt passwords is
# not what is measured here); one real user with a keyed email hash.
sqlite3 "$db" <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
SELECT 'user' || i, '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm', 'hmac-sha256:' || hex(randomblob(32)), NULL FROM n;
SQL
printf 'pw\n' | SOCIALIZER_BCRYPT_COST=4 "$bin" -q users create findme --email findme@example.com --password-stdin >/dev/null
hash=$(sqlite3 "$db" "SELECT hashed_email FROM users WHERE username = 'findme'")
cols="id, username, role, is_active, temperature, member_since, messages, llm_provider, llm_endpoint, llm_model"

bench() {
    local label=$1 ours theirs; shift
    ours=$(median_ms "$runs" "$bin" "$@")
    theirs=$(median_ms "$runs" sqlite3 "$db" "$SQLITE_QUERY")
    printf '%-28s socializer %7s ms   sqlite3 %7s ms   ratio %s\n' "$label" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
}
SQLITE_QUERY="SELECT $cols FROM users WHERE username = 'user77777'" bench "users show user77777" users show user77777
SQLITE_QUERY="SELECT $cols FROM users ORDER BY id LIMIT 50" bench "users list --limit 50" users list --limit 50
SQLITE_QUERY="SELECT $cols FROM users WHERE hashed_email = '$hash'" bench "users find --email" users find --email findme@example.com
