#!/usr/bin/env bash
# Bulk paths (issue 8 point 7): `users import` of records that carry their
# password_hash (no bcrypt) against `sqlite3 .import` of the same rows as
# CSV, and `users export --format jsonl` against `sqlite3 -json` of the same
# columns, on 200,000 users (N=...). Peak RSS from /usr/bin/time -v, at
# 50,000 and at 200,000 users: it must not grow with the row count.
# Medians of RUNS runs (default 3). Run it under the shared build lock:
#   flock /tmp/socializer-build.lock bench/users-bulk.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_gnu_time
bin=$(release_binary)
runs=${RUNS:-3}
sizes=${SIZES:-"50000 200000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOCIALIZER_EMAIL_KEY=bench-email-key-0123456789

# The same rows twice: jsonl for socializer (fixture field names), csv with
# the table's columns for sqlite3 .import.
make_rows() {
    python3 - "$1" "$work/rows-$1.jsonl" "$work/rows-$1.csv" <<'PY'
import base64, json, os, sys
n = int(sys.argv[1])
h = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"
with open(sys.argv[2], "w") as jl, open(sys.argv[3], "w") as csv:
    csv.write("id,username,role,is_active,temperature,preferences,hashed_name,hashed_password,hashed_email,"
              "member_since,messages,encryption_key,conversation_memory,llm_provider,llm_endpoint,llm_model\n")
    for i in range(1, n + 1):
        key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        email = "hmac-sha256:" + os.urandom(16).hex()
        # Short enough that 200,000 records stay under the 64 MiB import limit.
        rec = {"username": f"user{i}", "member_since": "2026-01-02", "messages": i % 50,
               "hashed_email": email, "password_hash": h, "encryption_key": key}
        jl.write(json.dumps(rec, separators=(",", ":")) + "\n")
        csv.write(f'{i},user{i},user,1,0.7,{{}},,{h},{email},2026-01-02,{i % 50},{key},,,,\n')
PY
}

fresh_db() {
    rm -f "$1"
    SOCIALIZER_DB="$1" "$bin" -q migrate up --no-backup >/dev/null 2>&1 || SOCIALIZER_DB="$1" "$bin" -q migrate up >/dev/null
}

# Median wall time (ms) of RUNS runs of a command that needs a fresh database
# made by `fresh_db` first (not timed).
median_fresh_ms() {
    local db=$1; shift
    BEFORE_EACH="fresh_db '$db'" median_ms "$runs" "$@"
}

cols="username, role, is_active, temperature, preferences, member_since, messages, hashed_name, hashed_email, llm_provider, llm_endpoint, llm_model"
for n in $sizes; do
    make_rows "$n"
    db="$work/bulk-$n.db"
    ours=$(SOCIALIZER_DB="$db" median_fresh_ms "$db" "$bin" -q users import "$work/rows-$n.jsonl")
    theirs=$(median_fresh_ms "$db" sqlite3 "$db" ".import --csv --skip 1 $work/rows-$n.csv users")
    fresh_db "$db"
    import_rss=$(SOCIALIZER_DB="$db" peak_kb "$bin" -q users import "$work/rows-$n.jsonl")
    count=$(sqlite3 "$db" "SELECT count(*) FROM users")
    if [ "$count" != "$n" ]; then
        echo "import wrote $count users, expected $n:" >&2
        fresh_db "$db"; SOCIALIZER_DB="$db" "$bin" -q users import "$work/rows-$n.jsonl" >&2 || true
        exit 1
    fi
    printf '%-34s socializer %9s ms   sqlite3 .import %9s ms   ratio %s   peak RSS %s kB\n' \
        "users import ($n, hashes given)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")" "$import_rss"
    ours=$(SOCIALIZER_DB="$db" median_ms "$runs" "$bin" users export --format jsonl)
    theirs=$(median_ms "$runs" sqlite3 -json "$db" "SELECT $cols FROM users ORDER BY id")
    export_rss=$(SOCIALIZER_DB="$db" peak_kb "$bin" users export --format jsonl)
    sqlite_rss=$(peak_kb sqlite3 -json "$db" "SELECT $cols FROM users ORDER BY id")
    printf '%-34s socializer %9s ms   sqlite3 -json   %9s ms   ratio %s   peak RSS %s kB (sqlite3 %s kB)\n' \
        "users export --format jsonl ($n)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")" "$export_rss" "$sqlite_rss"
done
