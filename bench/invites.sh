#!/usr/bin/env bash
# Invitations (issue 13, SPEC §9): INVITES invites (200,000 by default) to
# 1,000 rooms among 10,000 users, a third each pending, accepted and
# declined, sent over a year, each linked to an invite message; generated
# with SQL in sqlite3. Times `invites list --to USER --status pending` and
# `invites show ID` against the same statements typed into the sqlite3
# shell (goal: within 2x; medians of RUNS), then `invites purge` of the
# invites answered before the middle of the year against one bare DELETE in
# sqlite3 on an identical copy (goal: within 2x, every batch under
# --max-lock-ms). Run it under the build lock:
#   flock /tmp/socializer-build.lock bench/invites.sh
# JOURNAL=DELETE measures the app's rollback-journal mode instead of WAL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-50}
invites=${INVITES:-200000}
rooms=1000
users=10000
work=${WORK:-$(mktemp -d -p "${TMPDIR:-/tmp}")}
trap 'rm -rf "$work"' EXIT
db="$work/invites.db"
export SOCIALIZER_DB="$db"

"$bin" -q migrate up >/dev/null
start=$(date +%s%N)
# Invite i (0-based) is for user i % users + 1 to room (i / users) % rooms + 1:
# one per room and user, as UNIQUE(room_id, invitee_id) wants (20 per user by default). Its message
# has the invite's id; answered invites were answered a day after they were sent.
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = ${JOURNAL:-WAL};
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $users)
INSERT INTO users (username, hashed_password, hashed_email) SELECT 'user' || i, 'x', 'hmac-sha256:' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rooms)
INSERT INTO chat_rooms (name, creator_id, created_at, room_type) SELECT 'room' || i, (i * 37) % $users + 1, '2025-01-01 00:00:00.000000', 'group' FROM n;
INSERT INTO room_members (room_id, user_id, joined_at, role) SELECT id, creator_id, created_at, 'creator' FROM chat_rooms;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $invites - 1)
INSERT INTO room_messages (id, room_id, sender_id, sender_type, content, message_type, message_metadata, created_at)
SELECT i + 1, (i / $users) % $rooms + 1, (((i / $users) % $rooms + 1) * 37) % $users + 1, 'user', 'someone invited someone to join the room.', 'invite',
       '{"invite_id":' || (i + 1) || '}', strftime('%Y-%m-%d %H:%M:%f000', '2025-01-01', '+' || (i * 157 % 31536000) || ' seconds')
FROM n;
INSERT INTO room_invites (id, room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
SELECT id, room_id, sender_id, (id - 1) % $users + 1, CASE id % 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'accepted' ELSE 'declined' END,
       id, created_at, CASE WHEN id % 3 = 0 THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f000', created_at, '+1 day') END
FROM room_messages;
COMMIT;
SQL
end=$(date +%s%N)
echo "generated in $(( (end - start) / 1000000 )) ms; file $(du -h "$db" | cut -f1); invites: $(sqlite3 "$db" 'SELECT count(*) FROM room_invites'), $(sqlite3 "$db" "SELECT count(*) FROM room_invites WHERE status = 'pending'") pending"

# The user with the most pending invites, and the statements the repository runs (see them with socializer -v), values inlined.
invitee_id=$(sqlite3 "$db" "SELECT invitee_id FROM room_invites WHERE status = 'pending' GROUP BY invitee_id ORDER BY count(*) DESC, invitee_id LIMIT 1")
invitee=$(sqlite3 "$db" "SELECT username FROM users WHERE id = $invitee_id")
echo "list user: $invitee, $(sqlite3 "$db" "SELECT count(*) FROM room_invites WHERE invitee_id = $invitee_id AND status = 'pending'") pending invites"
select_invite="SELECT ri.id, ri.room_id, r.name AS room_name, ri.inviter_id, fu.username AS inviter_name, ri.invitee_id,
  tu.username AS invitee_name, ri.status, ri.message_id, m.content AS message, ri.created_at, ri.responded_at
FROM room_invites ri LEFT JOIN chat_rooms r ON r.id = ri.room_id
  LEFT JOIN users fu ON fu.id = ri.inviter_id LEFT JOIN users tu ON tu.id = ri.invitee_id
  LEFT JOIN room_messages m ON m.id = ri.message_id"

bench() {
    local label=$1 ours theirs; shift
    ours=$(median_ms "$runs" "$bin" "$@")
    theirs=$(median_ms "$runs" sqlite3 "$db" "$SQLITE_QUERY")
    printf '%-44s socializer %7s ms   sqlite3 %7s ms   ratio %s\n' "$label" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
}
SQLITE_QUERY="$select_invite WHERE ri.invitee_id = (SELECT id FROM users WHERE username = '$invitee') AND ri.status = 'pending'
  ORDER BY ri.created_at DESC, ri.id DESC LIMIT -1 OFFSET 0" \
    bench "invites list --to $invitee --status pending" invites list --to "$invitee" --status pending
SQLITE_QUERY="$select_invite WHERE ri.id = 123457" bench "invites show 123457" invites show 123457

# Purge the invites answered before the middle of the year (about a third of all).
"$bin" -q invites show 1 >/dev/null # checkpoint the WAL before copying
condition="status IN ('accepted', 'declined') AND coalesce(responded_at, created_at) < '2025-07-01 00:00:00.000000'"
# The purge also takes invite_id out of each purged invite's message (an id can come back: no AUTOINCREMENT),
# which one DELETE does not: the same work in one transaction in sqlite3, timed on a copy first.
cp "$db" "$db.same"
sync
start=$(date +%s%N)
sqlite3 "$db.same" "BEGIN; UPDATE room_messages SET message_metadata = json_remove(message_metadata, '\$.invite_id')
  WHERE id IN (SELECT message_id FROM room_invites WHERE $condition) AND message_type = 'invite' AND json_valid(message_metadata)
  AND json_type(message_metadata, '\$.invite_id') IS NOT NULL; DELETE FROM room_invites WHERE $condition; COMMIT;"
end=$(date +%s%N)
same_ms=$(( (end - start) / 1000000 ))
rm -f "$db.same"
echo "the same work in one transaction (sqlite3: UPDATE of the messages, then DELETE): ${same_ms} ms"
purge_against_delete "$bin" "$db" "DELETE FROM room_invites WHERE $condition;" \
    invites purge --before 2025-07-01 --max-lock-ms "${MAX_LOCK_MS:-100}"
echo "answered invites left before the cutoff: $(sqlite3 "$db" "SELECT count(*) FROM room_invites WHERE status != 'pending' AND coalesce(responded_at, created_at) < '2025-07-01'")"
