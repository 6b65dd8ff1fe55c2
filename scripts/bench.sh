#!/usr/bin/env bash
# chainmap's benchmark (issue 7): generates synthetic datasets, loads them into a local
# Neo4j of its own and into the embedded store, runs the workloads against baselines
# measured in the same run, and writes docs/performance.md. See docs/performance.md.
#
# usage: scripts/bench.sh [--tier 10k[,100k,1m]] [--smoke] [--no-peer] [--out FILE] [-- CHAINBENCH_FLAGS...]
#
#   --tier LIST   tiers to run, comma-separated (default 10k,100k,1m); --tiers is the same
#   --smoke       the CI smoke test: 10k unless --tier says otherwise, few iterations,
#                 no load baseline, no peer, no Go benchmarks; figures printed, not asserted,
#                 and docs/performance.md left alone unless --out is given
#   --no-peer     skip the @neo4j/graphql peer (no npm install)
#   --out FILE    where the report goes (default docs/performance.md; none with --smoke);
#                 its ratios go beside it as .json (docs/performance.json), which --smoke reads
#   -- FLAGS      passed to chainbench (bin/chainbench --help lists them)
#
# Environment: CHAINBENCH_GUARD (the committed ratios --smoke compares with, default
# docs/performance.json), CHAINBENCH_NEO4J_PORT (default 7700), CHAINBENCH_NEO4J_HOME (default
# .neo4j/bench), CHAINBENCH_WORK (default $TMPDIR/chainbench: datasets, logs, and the raw
# results.json that `bin/chainbench --render` and `--merge` read). The benchmark's Neo4j is
# started and stopped by chainbench itself (scripts/neo4j.sh with that home and port), and
# its home is deleted between loads: never point it at a home you care about.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

TIERS=10k,100k,1m
SMOKE=0
PEER=1
OUT=
OUT_SET=0
EXTRA=()
TIERS_SET=0
while [ $# -gt 0 ]; do
  case $1 in
    --tier|--tiers) [ $# -ge 2 ] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }; TIERS=$2; TIERS_SET=1; shift 2 ;;
    --tier=*|--tiers=*) TIERS=${1#*=}; TIERS_SET=1; shift ;;
    --smoke) SMOKE=1; shift ;;
    --no-peer) PEER=0; shift ;;
    --out) [ $# -ge 2 ] || { echo "bench.sh: --out needs a value" >&2; exit 2; }; OUT=$2; OUT_SET=1; shift 2 ;;
    --out=*) OUT=${1#*=}; OUT_SET=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then
  [ "$TIERS_SET" = 1 ] || TIERS=10k
  PEER=0
  [ "$OUT_SET" = 1 ] || OUT=
elif [ "$OUT_SET" = 0 ]; then
  OUT=docs/performance.md
fi

mkdir -p bin
echo "bench.sh: building bin/chainmap and bin/chainbench" >&2
go build -o bin/chainmap ./cmd/chainmap
go build -o bin/chainbench ./cmd/chainbench

WORK=${CHAINBENCH_WORK:-${TMPDIR:-/tmp}/chainbench}
ARGS=(--chainmap bin/chainmap --repo "$REPO" --tiers "$TIERS"
      --neo4j-port "${CHAINBENCH_NEO4J_PORT:-7700}"
      --neo4j-home "${CHAINBENCH_NEO4J_HOME:-$REPO/.neo4j/bench}"
      --work "$WORK" --json "$WORK/results.json")
if [ "$SMOKE" = 1 ]; then
  ARGS+=(--smoke --guard "${CHAINBENCH_GUARD:-$REPO/docs/performance.json}")
fi
if [ "$PEER" = 1 ]; then
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    if [ ! -d scripts/bench/node_modules/@neo4j/graphql ]; then
      echo "bench.sh: installing the peer's npm packages (scripts/bench)" >&2
      (cd scripts/bench && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
  else
    echo "bench.sh: node/npm not found: the @neo4j/graphql peer is skipped" >&2
    PEER=0
  fi
fi
[ "$PEER" = 1 ] || ARGS+=(--peer=false)
if [ -n "$OUT" ]; then
  ARGS+=(--out "$OUT")
fi
exec bin/chainbench "${ARGS[@]}" ${EXTRA[@]+"${EXTRA[@]}"}
