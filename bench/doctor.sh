#!/usr/bin/env bash
# doctor on a large database (issue 15): MESSAGES room messages (~100
# characters each, default 1,000,000) in ROOMS rooms of USERS users, built
# with SQL in the sqlite3 shell on a migrated database. Compares
# `socializer doctor --quick` (every check but --deep) with
# `PRAGMA quick_check` alone, and `socializer doctor` with
# `PRAGMA integrity_check` alone, medians of RUNS runs, file in the page cache.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
messages=${MESSAGES:-1000000}
users=${USERS:-1000}
rooms=${ROOMS:-50}
runs=${RUNS:-5}
work=${WORK:-$(mktemp -d -p "${TMPDIR:-/tmp}")}
trap 'rm -rf "$work"' EXIT
db="$work/chat.db"

echo "building $messages messages, $users users, $rooms rooms in $work ..."
"$bin" --db "$db" -q migrate up >/dev/null
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $users)
INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
SELECT 'user' || i, '\$2b\$04\$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm',
       'hmac-sha256:' || lower(hex(randomblob(32))), NULL FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rooms)
INSERT INTO chat_rooms (name, creator_id) SELECT 'room ' || i, 1 + (i % $users) FROM n;
INSERT INTO room_members (room_id, user_id, role) SELECT id, NULL, 'ai' FROM chat_rooms;
INSERT INTO room_members (room_id, user_id, role) SELECT id, creator_id, 'creator' FROM chat_rooms;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at)
SELECT 1 + (i % $rooms), 1 + (i % $users), 'user', substr(hex(randomblob(50)), 1, 100), 'text', '{}',
       strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || (i % 10000000) || ' seconds')
FROM n;
SQL
echo "file: $(du -h "$db" | cut -f1)"
# Warm the page cache, and show what doctor reports on this database.
cat "$db" >/dev/null
"$bin" --db "$db" doctor --quick || true

quick=$(median_ms "$runs" sqlite3 "$db" "PRAGMA quick_check")
ours=$(median_ms "$runs" "$bin" --db "$db" doctor --quick)
printf 'PRAGMA quick_check (sqlite3)       %8s ms\n' "$quick"
printf 'socializer doctor --quick          %8s ms   ratio %s\n' "$ours" "$(ratio "$ours" "$quick")"
if command -v taskset >/dev/null; then
    # The integrity check runs beside the table scans on a second core; on one core they add up.
    one=$(median_ms "$runs" taskset -c 0 "$bin" --db "$db" doctor --quick)
    printf 'socializer doctor --quick, 1 core  %8s ms   ratio %s\n' "$one" "$(ratio "$one" "$quick")"
fi
full=$(median_ms "$runs" sqlite3 "$db" "PRAGMA integrity_check")
ours_full=$(median_ms "$runs" "$bin" --db "$db" doctor)
printf 'PRAGMA integrity_check (sqlite3)   %8s ms\n' "$full"
printf 'socializer doctor                  %8s ms   ratio %s\n' "$ours_full" "$(ratio "$ours_full" "$full")"
echo "where the time goes (doctor --quick -v):"
"$bin" --db "$db" -v doctor --quick 2>&1 >/dev/null | grep 'checked' || true
