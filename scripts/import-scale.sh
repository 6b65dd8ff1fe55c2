#!/usr/bin/env bash
# import-scale.sh — peak RSS and rows/s of `chainmap import` on synthetic registry lists
# (issue 14, item 8). For each N given (default 100000 1000000) it generates a list with
# `chainmap gen --list-rows N` (cached in $WORK), copies data/zhengzhou-aluminium, and runs
# the import under /usr/bin/time -v, once with --dry-run and once writing. Prints one line
# per run: rows, mode, wall s, user s, rows/s (wall), peak RSS MB, and the load average.
#
#   scripts/import-scale.sh [N…]            # CHAINMAP=path/to/binary to measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/chainmap-import-scale}
mkdir -p "$WORK"
BIN=${CHAINMAP:-$WORK/chainmap}
if [[ -z "${CHAINMAP:-}" ]]; then go build -o "$BIN" ./cmd/chainmap; fi
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(100000 1000000)
printf '%-9s %-8s %8s %8s %9s %9s  %s\n' rows mode wall_s user_s rows/s peakRSS_MB "load average (1/5/15 min) before the run"
for n in "${sizes[@]}"; do
  list=$WORK/list-$n.csv
  [[ -s $list ]] || "$BIN" gen --list-rows "$n" --list-out "$list" >/dev/null
  for mode in dry-run write; do
    ds=$WORK/ds-$n-$mode
    rm -rf "$ds"; cp -r data/zhengzhou-aluminium "$ds"
    flag=(); [[ $mode == dry-run ]] && flag=(--dry-run)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    /usr/bin/time -v -o "$WORK/time-$n-$mode.txt" "$BIN" import "$list" --into "$ds" "${flag[@]}" >"$WORK/out-$n-$mode.txt" 2>&1 || {
      echo "import failed, see $WORK/out-$n-$mode.txt" >&2; tail -3 "$WORK/out-$n-$mode.txt" >&2; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time-$n-$mode.txt")
    user=$(awk -F': ' '/User time/{print $2}' "$WORK/time-$n-$mode.txt")
    rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$WORK/time-$n-$mode.txt")
    printf '%-9s %-8s %8s %8s %9.0f %9s  %s\n' "$n" "$mode" "$wall" "$user" "$(echo "$n / $wall" | bc -l)" "$rss" "$load"
  done
done
