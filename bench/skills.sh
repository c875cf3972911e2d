#!/usr/bin/env bash
# Skills and training on a 100,000-user database: 20 skills, 5 levels and 5
# trainings per user (500,000 rows each). Typical commands against the same
# query typed into the sqlite3 shell (SPEC §9: within 2x; medians of RUNS),
# then `training purge` against one bare DELETE on an identical copy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
runs=${RUNS:-30}
users=${USERS:-100000}
work=${WORK:-$(mktemp -d -p "${TMPDIR:-/tmp}")}
trap 'rm -rf "$work"' EXIT
db="$work/skills.db"
export SOCIALIZER_DB="$db"
"$bin" -q migrate up >/dev/null
# Straight through SQLite: what is measured is reading and purging. About a
# third of the trainings are completed, on dates spread over two years.
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $users)
INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
SELECT 'user' || i, '\$2b\$04\$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm', 'hmac-sha256:' || hex(randomblob(32)), NULL FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO skills (skill_name) SELECT 'skill' || i FROM n;
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 4)
INSERT INTO user_skills (user_id, skill_id, level)
SELECT u.id, (u.id + j * 4) % 20 + 1, abs(random()) % 11 FROM users u, k;
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 4)
INSERT INTO training (user_id, skill_id, status, progress, started_at, completed_at, notes)
SELECT u.id, (u.id + j * 4) % 20 + 1, 'active', 0.5, date('2024-01-01', '+' || (abs(random()) % 700) || ' days'), NULL, NULL
FROM users u, k;
UPDATE training SET status = 'completed', progress = 1.0, completed_at = date(started_at, '+30 days') WHERE abs(random()) % 3 = 0;
SQL
echo "users: $users; user_skills: $(sqlite3 "$db" 'SELECT count(*) FROM user_skills'); training: $(sqlite3 "$db" 'SELECT count(*) FROM training'); file: $(du -h "$db" | cut -f1)"

select_training="SELECT t.user_id, u.username, t.skill_id, s.skill_name, t.status, t.progress, us.level, t.started_at, t.completed_at, t.notes
  FROM training t JOIN users u ON t.user_id = u.id JOIN skills s ON t.skill_id = s.id
  LEFT JOIN user_skills us ON us.user_id = t.user_id AND us.skill_id = t.skill_id"
bench() {
    local label=$1 ours theirs; shift
    ours=$(median_ms "$runs" "$bin" "$@")
    theirs=$(median_ms "$runs" sqlite3 "$db" "$SQLITE_QUERY")
    printf '%-44s socializer %7s ms   sqlite3 %7s ms   ratio %s\n' "$label" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
}
SQLITE_QUERY="$select_training WHERE t.user_id = (SELECT id FROM users WHERE username = 'user77777') ORDER BY t.user_id, s.skill_name, t.skill_id" \
    bench "training list --user user77777" training list --user user77777
SQLITE_QUERY="$select_training WHERE t.user_id = (SELECT id FROM users WHERE username = 'user77777') AND t.skill_id = (SELECT id FROM skills WHERE skill_name = 'skill2')" \
    bench "training show user77777 skill2" training show user77777 skill2
SQLITE_QUERY="SELECT us.user_id, u.username, us.level FROM user_skills us JOIN users u ON u.id = us.user_id
  WHERE us.skill_id = (SELECT id FROM skills WHERE skill_name = 'skill3') AND us.level >= 10 ORDER BY us.level DESC, u.username" \
    bench "skills levels skill3 --min 10 (~2,300 rows)" skills levels skill3 --min 10
SQLITE_QUERY="$select_training WHERE t.skill_id = (SELECT id FROM skills WHERE skill_name = 'skill3') ORDER BY t.user_id, s.skill_name, t.skill_id LIMIT 50" \
    bench "training list --skill skill3 --limit 50" training list --skill skill3 --limit 50
SQLITE_QUERY="SELECT s.id, s.skill_name, coalesce(l.users, 0), l.average_level, coalesce(t.trainings, 0), coalesce(t.pending, 0),
  coalesce(t.active, 0), coalesce(t.paused, 0), coalesce(t.completed, 0) FROM skills s
  LEFT JOIN (SELECT skill_id, count(*) AS users, round(avg(level), 2) AS average_level FROM user_skills GROUP BY skill_id) l ON l.skill_id = s.id
  LEFT JOIN (SELECT skill_id, count(*) AS trainings, sum(status = 'pending') AS pending, sum(status = 'active') AS active,
    sum(status = 'paused') AS paused, sum(status = 'completed') AS completed FROM training GROUP BY skill_id) t ON t.skill_id = s.id
  ORDER BY s.skill_name, s.id" \
    bench "skills list --with-counts (reads every row)" skills list --with-counts

# The purge: every training completed before 2025-06-01, one bare DELETE in
# sqlite3 (no index covers completed_at, so it scans once) on a copy.
cutoff=2025-06-01
echo "to purge: $(sqlite3 "$db" "SELECT count(*) FROM training WHERE status = 'completed' AND completed_at < '$cutoff'")"
purge_against_delete "$bin" "$db" "DELETE FROM training WHERE status = 'completed' AND completed_at < '$cutoff';" \
    training purge --completed-before "$cutoff"
echo "left to purge: $(sqlite3 "$db" "SELECT count(*) FROM training WHERE status = 'completed' AND completed_at < '$cutoff'")"
