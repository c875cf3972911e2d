#!/usr/bin/env bash
# `users takeout` (issue 17): the document of a user who sent N room
# messages (N=100000 and 1000000 by default; as many again from other users
# in the same 20 rooms, so the pass over room_messages reads 2N rows), N/10
# general chat messages and N/100 error logs, against `sqlite3 -json` running
# the same per-section SELECTs the repositories run, into a file. Times are
# medians of RUNS runs (default 3); peak RSS from /usr/bin/time -v must not
# grow with N (flat memory). The takeout also records its audit entry, and
# writes through a private file (mode 0600) linked into place; to standard
# output it goes through a spool in $TMPDIR first, timed separately.
# Run it under the shared build lock:
#   flock /tmp/socializer-build.lock bench/takeout.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_gnu_time
bin=$(release_binary)
runs=${RUNS:-3}
sizes=${SIZES:-"100000 1000000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work SOCIALIZER_ACTOR=bench

# The statements of the sections that hold rows here, as the repositories write them.
sections_sql() {
    cat <<'SQL'
SELECT id, username, role, is_active, temperature, preferences, member_since, messages, llm_provider, llm_endpoint, llm_model FROM users WHERE id = 1;
SELECT rm.id, rm.room_id, r.name AS room_name, rm.sender_id, rm.sender_type, u.username AS sender_name, rm.content,
  rm.message_type, rm.message_metadata, rm.created_at, rm.edited_at, rm.is_deleted
FROM room_messages rm LEFT JOIN users u ON u.id = rm.sender_id LEFT JOIN chat_rooms r ON r.id = rm.room_id
WHERE rm.sender_id = 1 ORDER BY rm.id;
SELECT g.id, g.sender_id, u.username AS sender_name, g.content, g.created_at
FROM general_chat_messages g LEFT JOIN users u ON u.id = g.sender_id WHERE g.sender_id = 1 ORDER BY g.id;
SELECT l.id, l.timestamp, l.user_id, u.username, l.error_type, l.error_message, l.stack_trace, l.context
FROM error_logs l LEFT JOIN users u ON u.id = l.user_id WHERE l.user_id = 1 ORDER BY l.timestamp DESC, l.id DESC;
SELECT m.id, m.room_id, m.user_id, u.username, m.joined_at, m.role, m.is_active, m.last_read_at, r.name, r.is_active
FROM room_members m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN chat_rooms r ON r.id = m.room_id WHERE m.user_id = 1
ORDER BY m.joined_at, m.id;
SQL
}

for n in $sizes; do
    db="$work/takeout-$n.db"
    SOCIALIZER_DB="$db" "$bin" -q migrate up >/dev/null
    sqlite3 "$db" <<SQL
INSERT INTO users (id, username, hashed_password, hashed_email, encryption_key)
  SELECT i, 'user' || i, '\$2b\$04\$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm', 'no-email:' || i, NULL
  FROM (WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 200) SELECT i FROM k);
INSERT INTO chat_rooms (id, name, creator_id) SELECT i, 'room' || i, 1 + i % 200
  FROM (WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20) SELECT i FROM k);
INSERT INTO room_members (room_id, user_id, role) SELECT id, 1, 'member' FROM chat_rooms;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 2 * $n)
INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at)
  SELECT 1 + i % 20, CASE WHEN i % 2 = 0 THEN 1 ELSE 2 + i % 199 END, 'user',
         printf('message %d: %s', i, substr('the quick brown fox jumps over the lazy dog, again and again and again, until the end', 1, 80)),
         'text', '{}', strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || (i / 10) || ' seconds')
  FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n / 10)
INSERT INTO general_chat_messages (sender_id, content, created_at) SELECT 1, 'hello ' || i, '2026-01-01 00:00:00.000000' FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n / 100)
INSERT INTO error_logs (timestamp, user_id, error_type, error_message, context)
  SELECT strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || i || ' seconds'), 1, 'ValueError', 'bad input ' || i, '{"path":"/chat"}' FROM k;
SQL
    size=$(du -m "$db" | cut -f1)
    out="$work/alice.json"
    sql=$(sections_sql)
    ours=$(BEFORE_EACH="rm -f '$out'" median_ms "$runs" "$bin" --db "$db" users takeout 1 --output "$out")
    spooled=$(median_ms "$runs" sh -c "'$bin' --db '$db' users takeout 1 > '$work/stdout.json'")
    theirs=$(median_ms "$runs" sh -c "sqlite3 -json '$db' \"\$0\" > '$work/sqlite.json'" "$sql")
    rm -f "$out"
    rss=$(peak_kb "$bin" --db "$db" users takeout 1 --output "$out")
    sqlite_rss=$(peak_kb sqlite3 -json "$db" "$sql")
    records=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["room_messages"]), len(d["general_chat_messages"]), len(d["error_logs"]))' "$out")
    printf 'takeout of a user with %s room messages (%s MB database; messages, general, logs: %s)\n' "$n" "$size" "$records"
    printf '  --output FILE   %9s ms   sqlite3 -json %9s ms   ratio %s\n' "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
    printf '  > stdout        %9s ms   ratio %s   document %s MB\n' "$spooled" "$(ratio "$spooled" "$theirs")" "$(du -m "$out" | cut -f1)"
    printf '  peak RSS        %9s kB   sqlite3 %s kB\n' "$rss" "$sqlite_rss"
    rm -f "$db" "$db-wal" "$db-shm" "$out" "$work"/*.json
done
