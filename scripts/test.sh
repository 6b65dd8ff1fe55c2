#!/usr/bin/env bash
# The whole test suite: starts a local Neo4j (scripts/neo4j.sh), runs go vet and every Go
# test against both stores with NEO4J_REQUIRED=1 (an unreachable Neo4j fails the run),
# then the browser tests, and stops Neo4j whatever happens.
#
# usage: scripts/test.sh            (CI runs exactly this, through .ci/run)
# Environment: CHAINMAP_NEO4J_PORT (default 7687) to run beside another Neo4j.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$(date +%s)

PORT=${CHAINMAP_NEO4J_PORT:-7687}
HOME_DIR=$PWD/.neo4j/test
export NEO4J_USERNAME=neo4j
export NEO4J_PASSWORD=${NEO4J_PASSWORD:-chainmap-test-only}   # a throwaway local test instance
stop_neo4j() { scripts/neo4j.sh stop --home "$HOME_DIR" || true; }
trap stop_neo4j EXIT

echo "== Neo4j"
t0=$(date +%s)
# --watch-pid $$: Neo4j stops when this script ends, even when it is killed (SIGKILL, a CI
# time limit) and the EXIT trap never runs.
uri=$(scripts/neo4j.sh start --home "$HOME_DIR" --port "$PORT" --watch-pid $$)
echo "Neo4j ready at $uri in $(( $(date +%s) - t0 )) s"
export NEO4J_URI=$uri NEO4J_REQUIRED=1

echo "== go vet"
go vet ./...

echo "== staticcheck (pinned; fetched through the Go module proxy, nothing installed)"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test"
t0=$(date +%s)
go test -count=1 -timeout 30m $(go list ./... | grep -v '/conformance$')
echo "== conformance suite (the same tests on the embedded store and on Neo4j)"
go test -count=1 -timeout 30m -v ./conformance/
echo "go tests took $(( $(date +%s) - t0 )) s"

echo "== fuzz (short runs; seed corpora are in the test files)"
for target in "FuzzValidateTable ./loaders" "FuzzEnterpriseCypherIsParameterised ./neo4jstore" "FuzzCursor ./neo4jstore" \
              "FuzzParseDerivation ." "FuzzConvertUnit ." "FuzzCitation ."; do
  set -- $target
  go test -run '^$' -fuzz "^$1\$" -fuzztime "${CHAINMAP_FUZZTIME:-20000x}" "$2"
done

echo "== benchmark smoke test (10k tier; fails when a ratio to hand-written Cypher is 2× worse than docs/performance.json)"
scripts/bench.sh --tier 10k --smoke

if [ -x scripts/test-frontend.sh ] && [ -f frontend/package.json ]; then
  echo "== browser tests"
  scripts/test-frontend.sh
fi

echo "== all tests passed in $(( $(date +%s) - start )) s"
