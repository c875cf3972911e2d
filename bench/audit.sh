#!/usr/bin/env bash
# What the audit trail costs (issue 17): a write verb and a bulk import with
# their audit entry against the same run with --no-audit (SOCIALIZER_AUDIT=off),
# and `audit list` on a trail of 100,000 entries against the same query in
# the sqlite3 shell. Medians of RUNS runs (default 30; 3 for the imports).
# Run it under the shared build lock:
#   flock /tmp/socializer-build.lock bench/audit.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-30}
n=${N:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOCIALIZER_EMAIL_KEY=bench-email-key-0123456789 SOCIALIZER_ACTOR=bench

db="$work/audit.db"
export SOCIALIZER_DB="$db"
"$bin" -q migrate up >/dev/null
# 100,000 users and 100,000 audit entries straight through SQLite.
sqlite3 "$db" <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
SELECT 'user' || i, '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm', 'hmac-sha256:' || hex(randomblob(32)), NULL FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO admin_audit (at, actor, command, target, rows, details)
SELECT strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || (i * 60) || ' seconds'),
       CASE i % 3 WHEN 0 THEN 'ops' WHEN 1 THEN 'ann' ELSE 'cron' END,
       CASE i % 2 WHEN 0 THEN 'users deactivate' ELSE 'tokens purge' END,
       'users:' || i, '{"users":{"updated":1}}', '{"arguments":{"USER":"user' || i || '"}}' FROM n;
SQL

line() { printf '%-40s %9s ms   %-22s %9s ms   ratio %s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$4")"; }

# One write verb: its entry is one more INSERT in the same transaction.
audited=$(median_ms "$runs" "$bin" users deactivate user50000)
skipped=$(SOCIALIZER_AUDIT=off median_ms "$runs" "$bin" --no-audit users deactivate user50000)
line "users deactivate (audited)" "$audited" "--no-audit" "$skipped"
theirs=$(median_ms "$runs" sqlite3 "$db" "UPDATE users SET is_active = 0 WHERE username = 'user50000'")
line "users deactivate (audited)" "$audited" "sqlite3 UPDATE" "$theirs"

# audit list: newest first through the index on `at`, filtered by actor.
ours=$(median_ms "$runs" "$bin" audit list --limit 50)
theirs=$(median_ms "$runs" sqlite3 "$db" "SELECT id, at, actor, command, target, rows, details FROM admin_audit ORDER BY at DESC, id DESC LIMIT 50")
line "audit list --limit 50 (100,000 entries)" "$ours" "sqlite3" "$theirs"
ours=$(median_ms "$runs" "$bin" audit list --actor ann --limit 50)
theirs=$(median_ms "$runs" sqlite3 "$db" "SELECT id, at, actor, command, target, rows, details FROM admin_audit WHERE actor = 'ann' ORDER BY at DESC, id DESC LIMIT 50")
line "audit list --actor ann --limit 50" "$ours" "sqlite3" "$theirs"

# A bulk import: every inserted row passes through the change counter (the update hook).
python3 - "$n" "$work/rows.jsonl" <<'PY'
import base64, json, os, sys
n = int(sys.argv[1])
h = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"
with open(sys.argv[2], "w") as jl:
    for i in range(1, n + 1):
        rec = {"username": f"user{i}", "member_since": "2026-01-02", "hashed_email": "hmac-sha256:" + os.urandom(16).hex(),
               "password_hash": h, "encryption_key": base64.urlsafe_b64encode(os.urandom(32)).decode()}
        jl.write(json.dumps(rec, separators=(",", ":")) + "\n")
PY
bulk="$work/bulk.db"
fresh() { rm -f "$bulk"; SOCIALIZER_DB="$bulk" "$bin" -q migrate up --no-backup >/dev/null 2>&1; }
audited=$(SOCIALIZER_DB="$bulk" BEFORE_EACH=fresh median_ms 3 "$bin" -q users import "$work/rows.jsonl")
skipped=$(SOCIALIZER_DB="$bulk" SOCIALIZER_AUDIT=off BEFORE_EACH=fresh median_ms 3 "$bin" -q --no-audit users import "$work/rows.jsonl")
line "users import ($n, audited)" "$audited" "--no-audit" "$skipped"
fresh
SOCIALIZER_DB="$bulk" "$bin" -q users import "$work/rows.jsonl" >/dev/null
sqlite3 "$bulk" "SELECT command, target, rows FROM admin_audit"
