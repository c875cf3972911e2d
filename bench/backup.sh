#!/usr/bin/env bash
# Backup benchmark (issue 10): a ~160 MB WAL database (what `migrate up`
# creates; JOURNAL=DELETE for the app's rollback journal) copied while a writer commits one row every 3 ms, as the app does
# under load. For each way of copying: wall time, whether it finished, the
# copy's integrity, and the writer's commits, failures and worst commit
# latency during the copy.
#   incremental  the online backup API in 1024-page steps (socializer before
#                this change): restarts whenever the writer commits
#   one-step     sqlite3_backup_step(-1): one read snapshot for the whole copy
#   vacuum-into  VACUUM INTO: one read snapshot, rebuilds every b-tree
#   socializer   `socializer backup` (one-step, then renamed into place)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(release_binary)
rows=${ROWS:-560000}
interval_ms=${INTERVAL_MS:-3}
give_up_s=${GIVE_UP_S:-30}
work=${WORK:-$(mktemp -d -p "${TMPDIR:-/tmp}")}
trap 'rm -rf "$work"' EXIT
db="$work/live.db"

"$bin" --db "$db" -q migrate up >/dev/null
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO error_logs (timestamp, user_id, error_type, error_message, stack_trace)
SELECT '2026-01-01 00:00:00.000000', NULL, 'Bench', hex(randomblob(60)), hex(randomblob(50)) FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA journal_mode = ${JOURNAL:-WAL};
SQL
echo "source: $(du -h "$db" | cut -f1) ($(sqlite3 "$db" 'PRAGMA journal_mode')), writer every ${interval_ms} ms, 5 s busy timeout"

# The writer: one INSERT per commit every INTERVAL ms until the stop file appears.
cat > "$work/writer.py" <<'PY'
import os, sqlite3, sys, time
db, interval, stop = sys.argv[1], float(sys.argv[2]) / 1000, sys.argv[3]
conn = sqlite3.connect(db, timeout=5.0, isolation_level=None)
latencies, failures = [], 0
while not os.path.exists(stop):
    t = time.perf_counter()
    try:
        conn.execute("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES ('2026-06-01 00:00:00.000000', 'Live', 'x')")
        latencies.append((time.perf_counter() - t) * 1000)
    except sqlite3.OperationalError:
        failures += 1
    time.sleep(interval)
latencies.sort()
p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0
print(f"{len(latencies)} {failures} {latencies[-1] if latencies else 0:.1f} {p99:.1f}")
PY

# Python's sqlite3 drives the engine's own backup and VACUUM INTO directly.
cat > "$work/copy.py" <<'PY'
import sqlite3, sys, time
method, src, dst, give_up = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
source = sqlite3.connect(src, timeout=5.0)
start = time.perf_counter()
if method == "vacuum-into":
    source.execute("VACUUM INTO ?", (dst,))
else:
    target = sqlite3.connect(dst)
    if method == "one-step":
        source.backup(target, pages=-1)
    else:
        deadline = time.time() + give_up
        def progress(status, remaining, total):
            if time.time() > deadline:
                raise TimeoutError
        try:
            source.backup(target, pages=1024, progress=progress, sleep=0.0)
        except TimeoutError:
            print(f"gave up after {give_up:.0f} s")
            sys.exit(3)
    target.close()
print(f"{(time.perf_counter() - start) * 1000:.0f}")
PY

run_method() {
    local method=$1 copy="$work/copy-$1.db" stop="$work/stop-$1" result status ms
    rm -f "$copy" "$stop"
    python3 "$work/writer.py" "$db" "$interval_ms" "$stop" > "$work/writer-$method.txt" &
    local writer=$!
    sleep 0.5
    local start end
    start=$(date +%s%N)
    set +e
    if [ "$method" = socializer ]; then
        "$bin" --db "$db" -q backup "$copy" > /dev/null
        status=$?
    else
        result=$(python3 "$work/copy.py" "$method" "$db" "$copy" "$give_up_s")
        status=$?
    fi
    set -e
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    sleep 0.3
    touch "$stop"
    wait "$writer"
    read -r commits failures worst p99 < "$work/writer-$method.txt"
    local check="-" count="-"
    if [ "$status" = 0 ]; then
        check=$(sqlite3 "$copy" 'PRAGMA integrity_check')
        count=$(sqlite3 "$copy" 'SELECT count(*) FROM error_logs')
    fi
    printf '%-12s %6s ms  exit %s  integrity %-3s rows %-7s | writer: %5s commits, %s failed, worst %6s ms, p99 %5s ms\n' \
        "$method" "$ms" "$status" "$check" "$count" "$commits" "$failures" "$worst" "$p99"
    rm -f "$copy" "$copy"-journal
}

for method in ${METHODS:-incremental one-step vacuum-into socializer}; do
    run_method "$method"
done
