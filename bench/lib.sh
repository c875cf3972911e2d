# Shared helpers for the benchmarks: median wall time of N runs, in ms.
# Usage: median_ms N command args...   (output discarded)
# BEFORE_EACH, when set, is evaluated before each run, untimed (a fresh database).
median_ms() {
    local n=$1; shift
    local times=() i start end
    for ((i = 0; i < n; i++)); do
        if [ -n "${BEFORE_EACH:-}" ]; then eval "$BEFORE_EACH"; fi
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f\n", m / 1000}'
}

# Peak RSS in kB of one run (output discarded), from GNU time; call
# require_gnu_time first.
peak_kb() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'; }

require_gnu_time() {
    if [ ! -x /usr/bin/time ]; then
        echo "this benchmark needs GNU time for peak RSS: apt-get install time" >&2
        exit 1
    fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# One bare DELETE in the sqlite3 shell on a copy of DB against a purge by the
# socializer binary on DB itself; prints both times, the ratio, and the
# purge's longest batch, batches and rows deleted.
# Usage: purge_against_delete BIN DB 'DELETE …' verb args...   (the purge's words after --json)
purge_against_delete() {
    local bin=$1 db=$2 delete=$3 start end bare_ms ours_ms report; shift 3
    cp "$db" "$db.copy"
    sync
    start=$(date +%s%N)
    sqlite3 "$db.copy" "$delete"
    end=$(date +%s%N)
    bare_ms=$(( (end - start) / 1000000 ))
    rm -f "$db.copy"
    start=$(date +%s%N)
    report=$("$bin" --db "$db" --json "$@")
    end=$(date +%s%N)
    ours_ms=$(( (end - start) / 1000000 ))
    echo "bare DELETE (sqlite3, holds the write lock throughout): ${bare_ms} ms"
    echo "socializer $1 $2: ${ours_ms} ms   ratio: $(ratio "$ours_ms" "$bare_ms")"
    echo "longest batch ms, batches, rows deleted: $(printf '%s' "$report" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["longest_batch_ms"], r["batches"], r["rows_deleted"])')"
}

# The release binary, built with the Swift runtime linked in (SPEC §9).
release_binary() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    (cd "$root" && swift build -c release --static-swift-stdlib >/dev/null 2>&1) || { echo "release build failed" >&2; exit 1; }
    echo "$root/.build/release/socializer"
}

# Peak resident memory (kB) of a command, from GNU time.
peak_kb() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'; }

require_gnu_time() {
    if [ ! -x /usr/bin/time ]; then
        echo "this benchmark needs GNU time for peak RSS: apt-get install time" >&2
        exit 1
    fi
}
