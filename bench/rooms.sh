#!/usr/bin/env bash
# Chat benchmark (issue 12, SPEC §9): MESSAGES room messages (1,000,000 by
# default) in ROOMS rooms (1,000) of 20 members and the AI each, 10,000
# users, 10,000 invites pointing at messages, generated with SQL in sqlite3.
# Times `rooms messages list ROOM --limit 50` and `rooms unread USER`
# against the same statements typed into the sqlite3 shell (goal: within
# 2x; medians of RUNS), then `rooms messages purge` of half the messages
# against one bare DELETE in sqlite3 on an identical copy (goal: within 2x,
# every batch under --max-lock-ms). Run it under the build lock:
#   flock /tmp/socializer-build.lock bench/rooms.sh
# JOURNAL=DELETE measures the app's rollback-journal mode instead of WAL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-50}
messages=${MESSAGES:-1000000}
rooms=${ROOMS:-1000}
users=10000
work=${WORK:-$(mktemp -d -p "${TMPDIR:-/tmp}")}
trap 'rm -rf "$work"' EXIT
db="$work/chat.db"
export SOCIALIZER_DB="$db"

echo "building $messages messages in $rooms rooms in $work ..."
"$bin" -q migrate up >/dev/null
start=$(date +%s%N)
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = ${JOURNAL:-WAL};
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $users)
INSERT INTO users (username, hashed_password, hashed_email) SELECT 'user' || i, 'x', 'hmac-sha256:' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rooms)
INSERT INTO chat_rooms (name, creator_id, created_at, room_type, is_public)
SELECT 'room' || i, (i * 37) % $users + 1, '2025-06-01 00:00:00.000000', 'group', i % 10 = 0 FROM n;
-- Member j (0..19) of room r is user (r * 37 + j * 101) % users + 1; j = 0 is the creator.
WITH RECURSIVE j(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM j WHERE k < 19)
INSERT INTO room_members (room_id, user_id, joined_at, role, last_read_at)
SELECT r.id, (r.id * 37 + k * 101) % $users + 1, '2025-06-01 00:00:00.000000', CASE k WHEN 0 THEN 'creator' ELSE 'member' END,
       CASE WHEN (r.id + k) % 2 = 0 THEN NULL ELSE '2026-03-01 00:00:00.000000' END
FROM chat_rooms r, j;
INSERT INTO room_members (room_id, user_id, joined_at, role) SELECT id, NULL, '2025-06-01 00:00:00.000000', 'ai' FROM chat_rooms;
-- One message every 30 seconds from 2025-06-01, in rooms spread evenly;
-- a member speaks, 5% the AI, 1% the system; 2% deleted; ~100 characters.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, is_deleted)
SELECT room, CASE WHEN kind = 'user' THEN (room * 37 + (i % 19 + 1) * 101) % $users + 1 END, kind,
       hex(randomblob(50)), CASE kind WHEN 'system' THEN 'system' ELSE 'text' END, '{}',
       strftime('%Y-%m-%d %H:%M:%f000', '2025-06-01', '+' || (i * 30) || ' seconds'), i % 50 = 0
FROM (SELECT i, (i * 7919) % $rooms + 1 AS room,
             CASE WHEN i % 100 = 1 THEN 'system' WHEN i % 20 = 3 THEN 'ai' ELSE 'user' END AS kind FROM n);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at)
SELECT (i * 7919) % $rooms + 1, (i * 13) % $users + 1, (i * 7) % $users + 1, 'pending', (i * 97) % $messages + 1,
       '2026-01-01 00:00:00.000000' FROM n;
COMMIT;
SQL
end=$(date +%s%N)
echo "generated in $(( (end - start) / 1000000 )) ms; file $(du -h "$db" | cut -f1); invites: $(sqlite3 "$db" 'SELECT count(*) FROM room_invites')"

# The user in the most rooms, with NULL last_read_at in some: the heaviest unread.
member=$(sqlite3 "$db" "SELECT u.username FROM room_members m JOIN users u ON u.id = m.user_id GROUP BY m.user_id ORDER BY count(*) DESC, m.user_id LIMIT 1")
member_id=$(sqlite3 "$db" "SELECT id FROM users WHERE username = '$member'")
echo "unread user: $member, in $(sqlite3 "$db" "SELECT count(*) FROM room_members WHERE user_id = $member_id") rooms"

# The statements the repositories run (see them with socializer -v), values inlined.
list_sql="SELECT rm.id, rm.room_id, r.name AS room_name, rm.sender_id, rm.sender_type, u.username AS sender_name, rm.content,
  rm.message_type, rm.message_metadata, rm.created_at, rm.edited_at, rm.is_deleted
FROM room_messages rm LEFT JOIN users u ON u.id = rm.sender_id LEFT JOIN chat_rooms r ON r.id = rm.room_id
WHERE rm.room_id = 500 AND rm.is_deleted = 0 ORDER BY rm.created_at DESC, rm.id DESC LIMIT 50 OFFSET 0"
unread_sql="SELECT r.id AS room_id, r.name, m.last_read_at,
  (SELECT count(*) FROM room_messages rm
   WHERE rm.room_id = m.room_id AND rm.created_at > coalesce(m.last_read_at, '')
     AND rm.is_deleted = 0 AND rm.sender_id IS NOT m.user_id) AS unread
FROM room_members m JOIN chat_rooms r ON r.id = m.room_id
WHERE m.user_id = $member_id AND m.is_active = 1 AND r.is_active = 1
ORDER BY r.id"

bench() {
    local label=$1 ours theirs; shift
    ours=$(median_ms "$runs" "$bin" "$@")
    theirs=$(median_ms "$runs" sqlite3 "$db" "$SQLITE_QUERY")
    printf '%-34s socializer %7s ms   sqlite3 %7s ms   ratio %s\n' "$label" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
}
SQLITE_QUERY="$list_sql" bench "rooms messages list 500 --limit 50" rooms messages list 500 --limit 50
SQLITE_QUERY="$unread_sql" bench "rooms unread $member" rooms unread "$member"

# Purge half the messages: those before the 500,000th's time. The bare
# DELETE runs in the sqlite3 shell (foreign keys off, its default) on an
# identical copy; the purge with the default --batch-size (5000), then on
# another copy with --batch-size 20000, which lets --max-lock-ms size the
# batches (each batch is followed by a pause as long as it held the lock,
# up to 25 ms, so fewer batches mean fewer pauses).
cutoff=$(sqlite3 "$db" "SELECT created_at FROM room_messages WHERE id = $((messages / 2 + 1))")
cutoff_iso=$(printf '%s' "$cutoff" | sed 's/ /T/; s/\.000000$/Z/')
"$bin" -q rooms list --limit 1 >/dev/null # checkpoint the WAL before copying
cp "$db" "$work/copy.db"
cp "$db" "$work/big.db"
sync
start=$(date +%s%N)
sqlite3 "$work/copy.db" "DELETE FROM room_messages WHERE created_at < '$cutoff';"
end=$(date +%s%N)
bare_ms=$(( (end - start) / 1000000 ))
rm -f "$work"/copy.db*
sync
echo "bare DELETE (sqlite3, holds the write lock throughout): ${bare_ms} ms"

purge() {
    local file=$1 start end ours_ms report left detached summary; shift
    sync
    start=$(date +%s%N)
    report=$("$bin" --db "$file" --json rooms messages purge --before "$cutoff_iso" --max-lock-ms "${MAX_LOCK_MS:-100}" "$@")
    end=$(date +%s%N)
    ours_ms=$(( (end - start) / 1000000 ))
    left=$(sqlite3 "$file" "SELECT count(*) FROM room_messages WHERE created_at < '$cutoff'")
    detached=$(sqlite3 "$file" "SELECT count(*) FROM room_invites WHERE message_id IS NULL")
    summary=$(printf '%s' "$report" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rows_deleted"], r["batches"], r["longest_batch_ms"])')
    echo "socializer rooms messages purge $*: ${ours_ms} ms   ratio: $(ratio "$ours_ms" "$bare_ms")"
    echo "  rows deleted, batches, longest batch ms: $summary   rows left to purge: $left   invites detached: $detached"
}
purge "$db"
purge "$work/big.db" --batch-size 20000
