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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

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
