#!/usr/bin/env bash
# Seed, generate and dump (issue 14 point 6), against sqlite3 in the same run:
#  1. `seed` of N room messages (plus 100 users and 50 rooms) from fixture
#     lines (jsonl), into a new database and into an existing one, against
#     `sqlite3 .import` of the same messages as CSV into a database that
#     holds the same users and rooms;
#  2. `seed --generate users=100,rooms=50,messages=N` against the sqlite3
#     shell inserting N rows of the same size from a recursive CTE (the
#     engine's floor);
#  3. `dump` of that database against `sqlite3 -json` over the same tables.
# Peak RSS from /usr/bin/time -v at N/4 and at N: it must not grow with N.
# Medians of RUNS runs (default 3), N=1000000 by default. Run it under the
# shared build lock:  flock /tmp/socializer-build.lock bench/seed.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_gnu_time
bin=$(release_binary)
runs=${RUNS:-3}
n=${N:-1000000}
work=$(mktemp -d -p "${TMPDIR:-/tmp}")
trap 'rm -rf "$work"' EXIT
export SOCIALIZER_BCRYPT_COST=4

# The same messages twice: fixture lines for socializer, CSV with the
# table's columns (ids for the references) for sqlite3. Users and rooms
# come first in the lines and in head.jsonl (what the sqlite3 side's
# database is seeded with).
make_rows() {
    python3 - "$1" "$work/msgs-$1.jsonl" "$work/msgs-$1.csv" "$work/head.jsonl" <<'PY'
import random, sys
n = int(sys.argv[1])
random.seed(1)
words = ("the a we you meetup practice talk listen question today coffee group nervous great idea book chapter "
         "week people friend new try again maybe really thanks story conversation start remember name").split()
hash_ = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"
head = []
for i in range(1, 101):
    head.append('{"table":"users","record":{"username":"u%d","password_hash":"%s","hashed_email":"u%d@example.com","member_since":"2026-01-01"}}\n' % (i, hash_, i))
for r in range(1, 51):
    head.append('{"table":"chat_rooms","record":{"key":"r%d","name":"Room %d","creator":"u%d","created_at":"2026-01-01T00:00:00Z"}}\n' % (r, r, r))
with open(sys.argv[4], "w") as h:
    h.writelines(head)
with open(sys.argv[2], "w") as jl, open(sys.argv[3], "w") as csv:
    jl.writelines(head)
    for m in range(1, n + 1):
        content = " ".join(random.choice(words) for _ in range(18))[:100]
        r = random.randint(1, 50)
        u = random.randint(1, 100)
        second = 1767225600 + m * 7
        day, rest = divmod(second - 1767225600, 86400)
        ts = "2026-%02d-%02d %02d:%02d:%02d.%06d" % (1 + day // 28, 1 + day % 28, rest // 3600, rest % 3600 // 60, rest % 60, m % 1000000)
        jl.write('{"table":"room_messages","record":{"room":"r%d","sender":"u%d","sender_type":"user","content":"%s",'
                 '"message_type":"text","message_metadata":{},"created_at":"%sZ","edited_at":null,"is_deleted":false}}\n'
                 % (r, u, content, ts.replace(" ", "T")))
        csv.write('%d,%d,%d,user,%s,text,{},%s,,0\n' % (m, r, u, content, ts))
PY
}

fresh() { rm -f "$1" "$1"-wal "$1"-shm "$1"-journal; }
# A migrated database holding the users and rooms of head.jsonl, for the sqlite3 side.
with_head() { fresh "$1"; "$bin" -q --db "$1" seed "$work/head.jsonl" >/dev/null; }
migrated() { fresh "$1"; "$bin" -q --db "$1" migrate up >/dev/null; }

# Which parts to run (all by default): PARTS="seed generate dump".
parts=${PARTS:-seed generate dump}
part() { [[ " $parts " == *" $1 "* ]]; }

quarter=$((n / 4))
if part seed; then
    make_rows "$n"
    make_rows "$quarter"
fi
db="$work/seed.db"

# 1. Seeding fixture lines against .import of CSV.
if part seed; then
ours_new=$(BEFORE_EACH="fresh '$db'" median_ms "$runs" "$bin" -q --db "$db" seed "$work/msgs-$n.jsonl")
count=$(sqlite3 "$db" "SELECT count(*) FROM room_messages")
[ "$count" = "$n" ] || { echo "seed wrote $count messages, expected $n" >&2; exit 1; }
ours_existing=$(BEFORE_EACH="migrated '$db'" median_ms "$runs" "$bin" -q --db "$db" seed "$work/msgs-$n.jsonl")
theirs=$(BEFORE_EACH="with_head '$db'" median_ms "$runs" sqlite3 "$db" ".import --csv $work/msgs-$n.csv room_messages")
fresh "$db"; rss_quarter=$(peak_kb "$bin" -q --db "$db" seed "$work/msgs-$quarter.jsonl")
fresh "$db"; rss_full=$(peak_kb "$bin" -q --db "$db" seed "$work/msgs-$n.jsonl")
with_head "$db"; sqlite_rss=$(peak_kb sqlite3 "$db" ".import --csv $work/msgs-$n.csv room_messages")
printf '%-46s socializer %9s ms   sqlite3 .import %9s ms   ratio %s   peak RSS %s kB at %s, %s kB at %s (sqlite3 %s kB)\n' \
    "seed $n messages (jsonl, new database)" "$ours_new" "$theirs" "$(ratio "$ours_new" "$theirs")" \
    "$rss_quarter" "$quarter" "$rss_full" "$n" "$sqlite_rss"
printf '%-46s socializer %9s ms   sqlite3 .import %9s ms   ratio %s\n' \
    "seed $n messages (jsonl, existing database)" "$ours_existing" "$theirs" "$(ratio "$ours_existing" "$theirs")"
with_head "$db"; sqlite3 "$db" ".import --csv $work/msgs-$n.csv room_messages"
count=$(sqlite3 "$db" "SELECT count(*) FROM room_messages")
[ "$count" = "$n" ] || { echo "sqlite3 .import wrote $count messages, expected $n" >&2; exit 1; }
fi

# 2. Generating against a recursive CTE inserting the same number of rows of the same size.
gen="$work/gen.db"
spec="users=100,rooms=50,messages=$n"
if part generate; then
ours=$(BEFORE_EACH="fresh '$gen'" median_ms "$runs" "$bin" -q --db "$gen" seed --generate "$spec" --random-seed 1)
fresh "$gen"; "$bin" -q --db "$gen" seed --generate "$spec" --random-seed 1
size=$(sqlite3 "$gen" "SELECT CAST(avg(length(content)) AS INTEGER) FROM room_messages")
cte="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at, is_deleted)
SELECT 1 + i % 50, 1 + i % 100, 'user', substr(hex(randomblob($size)), 1, $size), 'text', '{}',
       strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || (i * 7) || ' seconds'), NULL, 0 FROM n;"
theirs=$(BEFORE_EACH="with_head '$db'" median_ms "$runs" sqlite3 "$db" "$cte")
fresh "$db"; rss_quarter=$(peak_kb "$bin" -q --db "$db" seed --generate "users=100,rooms=50,messages=$quarter")
fresh "$db"; rss_full=$(peak_kb "$bin" -q --db "$db" seed --generate "$spec")
printf '%-46s socializer %9s ms   sqlite3 CTE     %9s ms   ratio %s   peak RSS %s kB at %s, %s kB at %s\n' \
    "seed --generate messages=$n" "$ours" "$theirs" "$(ratio "$ours" "$theirs")" "$rss_quarter" "$quarter" "$rss_full" "$n"
fi

# 3. Dump against sqlite3 -json over the same tables.
if part dump; then
fresh "$gen"; "$bin" -q --db "$gen" seed --generate "$spec" --random-seed 1
tables="users skills user_skills training user_preferences chat_rooms room_members room_messages room_invites general_chat_messages token_blacklist error_logs"
selects=$(for t in $tables; do printf 'SELECT * FROM %s ORDER BY rowid; ' "$t"; done)
ours=$(median_ms "$runs" "$bin" --db "$gen" dump)
ours_jsonl=$(median_ms "$runs" "$bin" --db "$gen" --format jsonl dump)
theirs=$(median_ms "$runs" sqlite3 -json "$gen" "$selects")
dump_rss=$(peak_kb "$bin" --db "$gen" dump)
fresh "$db"; "$bin" -q --db "$db" seed --generate "users=100,rooms=50,messages=$quarter"
dump_rss_quarter=$(peak_kb "$bin" --db "$db" dump)
sqlite_rss=$(peak_kb sqlite3 -json "$gen" "$selects")
printf '%-46s socializer %9s ms   sqlite3 -json   %9s ms   ratio %s   peak RSS %s kB at %s, %s kB at %s (sqlite3 %s kB)\n' \
    "dump (json, $n messages)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")" "$dump_rss_quarter" "$quarter" "$dump_rss" "$n" "$sqlite_rss"
printf '%-46s socializer %9s ms   sqlite3 -json   %9s ms   ratio %s\n' \
    "dump --format jsonl ($n messages)" "$ours_jsonl" "$theirs" "$(ratio "$ours_jsonl" "$theirs")"
fi
