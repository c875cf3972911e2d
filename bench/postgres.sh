#!/usr/bin/env bash
# The verbs that run on PostgreSQL, on a 100,000-user database, against the
# same query typed into psql (issue 16 item 8: within 2x), and the cron
# job's `tokens purge` on an empty table against psql running the DELETE.
# Then 1,000,000 messages in one room (MESSAGES): `rooms messages list`
# against its query in psql, and `dump` of the whole database against psql
# COPYing the same two big tables out as CSV (DUMP_RUNS runs, default 3).
# Last, `seed` of SEED messages (default 1,000,000) from fixture lines
# against psql's COPY of the same rows as CSV (SEED_RUNS runs each, default
# 2, alternating; the rows deleted and the table vacuumed between), and the
# seed's peak RSS. The seed creates its room and then its messages from
# 1,000 senders, and psql does the same work in one transaction (the room
# INSERTed, the messages COPYed). Then `seed --generate` of GEN messages (default
# 1,000,000) against psql \copy of the same rows, and the generator on SQLite.
# Needs a server: run it under .ci/with-postgres, which sets
# SOCIALIZER_TEST_POSTGRES_URL (a throwaway server on a Unix socket):
#   .ci/with-postgres bench/postgres.sh
# PARTS="verbs seed generate" picks parts (all by default). Medians of 50 runs. Each run of either tool is a new process and a new
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
work=$(mktemp -d -p "${TMPDIR:-/tmp}")
trap 'rm -rf "$work"; psql -X -q "$url" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true' EXIT
# Which parts to run (all by default): PARTS="verbs seed generate".
parts=${PARTS:-verbs seed generate}
part() { [[ " $parts " == *" $1 "* ]]; }

if part verbs; then
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

# A room with MESSAGES messages (default 1,000,000), from 1,000 senders.
messages=${MESSAGES:-1000000}
psql -X -q "$db" <<SQL
INSERT INTO chat_rooms (name, creator_id, created_at) VALUES ('lobby', 1, '2026-01-01 00:00:00');
INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, is_deleted)
SELECT 1, 1 + i % 1000, 'user', 'message number ' || i || ' about the meetup on tuesday', 'text', '{}',
       timestamp '2026-01-01' + i * interval '1 second', false
FROM generate_series(1, $messages) AS i;
ANALYZE;
SQL
mcols="rm.id, rm.room_id, r.name AS room_name, rm.sender_id, rm.sender_type, u.username AS sender_name, rm.content, rm.message_type, rm.message_metadata, rm.created_at, rm.edited_at, rm.is_deleted"
PSQL_QUERY="SELECT $mcols FROM room_messages rm LEFT JOIN users u ON u.id = rm.sender_id LEFT JOIN chat_rooms r ON r.id = rm.room_id WHERE rm.room_id = 1 AND rm.is_deleted = FALSE ORDER BY rm.created_at DESC, rm.id DESC LIMIT 50" \
    bench "rooms messages list ($messages)" rooms messages list lobby
dump_runs=${DUMP_RUNS:-3}
ours=$(median_ms "$dump_runs" "$bin" --db "$db" dump)
theirs=$(median_ms "$dump_runs" psql -X -q "$db" -c "COPY users TO STDOUT (FORMAT csv)" -c "COPY room_messages TO STDOUT (FORMAT csv)")
printf '%-32s socializer %7s ms   psql %7s ms   ratio %s\n' "dump ($messages messages)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"

fi

# seed of SEED messages (fixture lines) against COPY of the same rows.
if part seed; then
seed_n=${SEED:-1000000}
python3 - "$seed_n" "$work/m.jsonl" "$work/m.csv" <<'PY'
import sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as jl, open(sys.argv[3], "w") as csv:
    jl.write('{"table":"chat_rooms","record":{"key":"s","name":"seeded","creator":"user1","created_at":"2026-01-01T00:00:00Z"}}\n')
    for m in range(1, n + 1):
        ts = "2026-02-01 00:00:00.%06d" % (m % 1000000)
        jl.write('{"table":"room_messages","record":{"room":"s","sender":"user%d","sender_type":"user","content":"seeded message %d",'
                 '"message_type":"text","message_metadata":{},"created_at":"%sZ","edited_at":null,"is_deleted":false}}\n'
                 % (1 + m % 1000, m, ts.replace(" ", "T")))
        csv.write('999999,%d,user,seeded message %d,text,{},%s,,false\n' % (1 + m % 1000, m, ts))
PY
clear_seeded="DELETE FROM room_messages WHERE content LIKE 'seeded message %'; DELETE FROM chat_rooms WHERE name = 'seeded'"
clear() { psql -X -q "$db" -c "$clear_seeded" && psql -X -q "$db" -c "VACUUM ANALYZE room_messages" -c "VACUUM ANALYZE chat_rooms"; }
seed_runs=${SEED_RUNS:-2}
ours_all=() theirs_all=()
for _ in $(seq "$seed_runs"); do
    clear
    ours_all+=("$(median_ms 1 "$bin" --db "$db" -q seed "$work/m.jsonl")")
    loaded=$(psql -X -A -t "$db" -c "SELECT count(*) FROM room_messages WHERE content LIKE 'seeded message %'")
    [ "$loaded" = "$seed_n" ] || { echo "socializer loaded $loaded rows, not $seed_n" >&2; exit 1; }
    clear
    # The same work: the room, then its messages, in one transaction.
    theirs_all+=("$(median_ms 1 psql -X -q -v ON_ERROR_STOP=1 "$db" -c "BEGIN" \
        -c "INSERT INTO chat_rooms (id, name, creator_id, created_at) VALUES (999999, 'seeded', 1, '2026-01-01 00:00:00')" \
        -c "\\copy room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at, is_deleted) FROM '$work/m.csv' (FORMAT csv)" \
        -c "COMMIT")")
    loaded=$(psql -X -A -t "$db" -c "SELECT count(*) FROM room_messages WHERE content LIKE 'seeded message %'")
    [ "$loaded" = "$seed_n" ] || { echo "psql loaded $loaded rows, not $seed_n" >&2; exit 1; }
done
for i in "${!ours_all[@]}"; do
    printf '%-32s socializer %7s ms   psql %7s ms   ratio %s\n' "seed ($seed_n messages) run $((i + 1))" "${ours_all[$i]}" "${theirs_all[$i]}" "$(ratio "${ours_all[$i]}" "${theirs_all[$i]}")"
done
clear
if [ -x /usr/bin/time ]; then
    printf '%-32s %s kB\n' "seed peak RSS" "$(peak_kb "$bin" --db "$db" -q seed "$work/m.jsonl")"
fi
fi

# seed --generate on PostgreSQL (GEN messages, default 1,000,000, with
# 1,000 users and 50 rooms) into the empty tables of a schema of its own,
# against psql's \copy of the same rows (every table the generator wrote,
# exported as CSV) into the same tables emptied again, and against the
# generator on SQLite into a new file. One run each (GEN_RUNS).
if part generate; then
gen_n=${GEN:-1000000}
gen_runs=${GEN_RUNS:-1}
gen_schema="gen_$$"
gdb="$url&options=-csearch_path%3D$gen_schema"
trap 'rm -rf "$work"; psql -X -q "$url" -c "DROP SCHEMA $schema CASCADE" -c "DROP SCHEMA IF EXISTS $gen_schema CASCADE" >/dev/null 2>&1 || true' EXIT
psql -X -q "$url" -c "CREATE SCHEMA $gen_schema"
"$bin" --db "$gdb" -q migrate up >/dev/null
gen_spec="users=1000,rooms=50,messages=$gen_n"
gen_tables="users chat_rooms room_members room_messages"
empty_gen="SET client_min_messages = warning; TRUNCATE $(echo $gen_tables | sed 's/ /, /g') RESTART IDENTITY CASCADE"
export SOCIALIZER_BCRYPT_COST=4
ours=$(BEFORE_EACH="psql -X -q '$gdb' -c '$empty_gen'" median_ms "$gen_runs" "$bin" --db "$gdb" -q seed --generate "$gen_spec")
count=$(psql -X -A -t "$gdb" -c "SELECT count(*) FROM room_messages")
[ "$count" = "$gen_n" ] || { echo "seed --generate wrote $count messages, expected $gen_n" >&2; exit 1; }
copy_out=() copy_in=()
for t in $gen_tables; do
    copy_out+=(-c "\\copy $t TO '$work/gen-$t.csv' (FORMAT csv)")
    copy_in+=(-c "\\copy $t FROM '$work/gen-$t.csv' (FORMAT csv)")
done
psql -X -q "$gdb" "${copy_out[@]}"
theirs=$(BEFORE_EACH="psql -X -q '$gdb' -c '$empty_gen'" median_ms "$gen_runs" psql -X -q "$gdb" "${copy_in[@]}")
[ "$(psql -X -A -t "$gdb" -c "SELECT count(*) FROM room_messages")" = "$gen_n" ] || { echo "psql copied the wrong count" >&2; exit 1; }
printf '%-32s socializer %7s ms   psql %7s ms   ratio %s\n' "seed --generate ($gen_n messages)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
lite="$work/gen.db"
on_sqlite=$(BEFORE_EACH="rm -f '$lite'" median_ms "$gen_runs" "$bin" --db "$lite" -q seed --generate "$gen_spec")
printf '%-32s PostgreSQL %7s ms   SQLite %7s ms   ratio %s\n' "seed --generate ($gen_n messages)" "$ours" "$on_sqlite" "$(ratio "$ours" "$on_sqlite")"
fi
