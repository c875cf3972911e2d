#!/usr/bin/env bash
# doctor on PostgreSQL (issue 16): USERS users (default 100,000) and
# MESSAGES room messages (default 1,000,000) in ROOMS rooms, built with SQL
# in psql on a migrated schema. Compares `socializer doctor` (every check)
# with psql running the same statements doctor runs, read from its -v
# trace: every statement without a bound value (the per-table aggregates,
# the samples, the AI-member and user passes; the catalog lookups by name
# and the two housekeeping counts, which take bound values, are left out),
# in one psql session. No target (the brief's "report"); medians of RUNS runs.
# Needs a server: run it under .ci/with-postgres:
#   .ci/with-postgres bench/postgres-doctor.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
url=${SOCIALIZER_TEST_POSTGRES_URL:?run under .ci/with-postgres (or set SOCIALIZER_TEST_POSTGRES_URL)}
bin=$(release_binary)
runs=${RUNS:-5}
users=${USERS:-100000}
messages=${MESSAGES:-1000000}
rooms=${ROOMS:-50}
schema="bench_doctor_$$"
work=$(mktemp -d -p "${TMPDIR:-/tmp}")
psql -X -q "$url" -c "CREATE SCHEMA $schema"
trap 'rm -rf "$work"; psql -X -q "$url" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true' EXIT
db="$url&options=-csearch_path%3D$schema"
"$bin" --db "$db" -q migrate up >/dev/null
echo "building $users users, $messages messages in $rooms rooms ..."
psql -X -q "$db" <<SQL
INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
SELECT 'user' || i, '\$2b\$04\$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm', 'hmac-sha256:' || md5(i::text), NULL
FROM generate_series(1, $users) AS i;
INSERT INTO chat_rooms (name, creator_id, created_at) SELECT 'room ' || i, 1 + i % $users, '2026-01-01' FROM generate_series(1, $rooms) AS i;
INSERT INTO room_members (room_id, user_id, role, joined_at) SELECT id, NULL, 'ai', '2026-01-01' FROM chat_rooms;
INSERT INTO room_members (room_id, user_id, role, joined_at) SELECT id, creator_id, 'creator', '2026-01-01' FROM chat_rooms;
INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, is_deleted)
SELECT 1 + i % $rooms, 1 + i % 1000, 'user', 'message number ' || i || ' about the meetup on tuesday', 'text', '{}',
       timestamp '2026-01-01' + i * interval '1 second', false
FROM generate_series(1, $messages) AS i;
VACUUM ANALYZE;
SQL
"$bin" --db "$db" doctor || true
"$bin" --db "$db" -v doctor 2>&1 >/dev/null | sed -n 's/^socializer: sql: //p' | grep -v '\$[0-9]' | sed 's/$/;/' > "$work/doctor.sql"
echo "psql runs $(wc -l < "$work/doctor.sql") of the statements doctor runs ($("$bin" --db "$db" -v doctor 2>&1 >/dev/null | grep -c '^socializer: sql: '))"
ours=$(median_ms "$runs" "$bin" --db "$db" doctor)
theirs=$(median_ms "$runs" psql -X -q -A -t "$db" -f "$work/doctor.sql")
printf '%-40s socializer %7s ms   psql %7s ms   ratio %s\n' "doctor ($users users, $messages messages)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
echo "where the time goes (doctor -v):"
"$bin" --db "$db" -v doctor 2>&1 >/dev/null | grep 'checked' || true
