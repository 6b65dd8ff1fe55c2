#!/usr/bin/env bash
# Builds the web front end (its GraphQL documents checked against schema/*.graphqls, see
# frontend/README.md), embeds it in a fresh chainmap binary, serves the bundled
# dataset on a free loopback port and runs the front end's tests against it:
#   unit tests (vitest), the GraphQL over HTTP conformance audit (graphql-http; fails on
#   any MUST) and browser tests (node --test + playwright-core + Debian chromium), the
#   brief's DOCX and PDF among them (tests/brief.test.mjs; they land in test-results/brief/).
# Exits non-zero when any step or test fails; always stops the server.
#
#   scripts/test-frontend.sh                      # build + all tests
#   UPDATE_SCREENSHOTS=1 scripts/test-frontend.sh # also refresh docs/screenshots/ (README)
#   PERF=1 scripts/test-frontend.sh               # also time 10,000 markers on a synthetic dataset
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fe="$root/frontend"
# The browser tests run on the embedded default (data and state). scripts/test.sh exports
# NEO4J_URI for the Go tests; inherited, it would send every chainmap command here (user
# add, serve) to that shared Neo4j, whose accounts and dataset other tests leave behind.
# The stores' equality is the conformance suite's job.
unset NEO4J_URI NEO4J_DATABASE
work="$(mktemp -d "${TMPDIR:-/tmp}/chainmap-fe.XXXXXX")"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n== %s\n' "$*"; }

# Browser and CJK fonts (idempotent; installs only what is missing).
if [[ ! -x /usr/bin/chromium ]] || ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
  step "browser dependencies"
  bash "$root/scripts/browser-deps.sh"
fi

cd "$fe"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "build (GraphQL documents vs schema + typecheck + vite)"
npm run build

step "unit tests"
npx vitest run

step "chainmap binary with the front end embedded"
cd "$root"
go build -o "$work/chainmap" ./cmd/chainmap

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
url="http://127.0.0.1:$port"
# Accounts for the pipeline's browser tests (tests/leads.test.mjs), added to the state file
# before the server starts (the embedded state file is locked while a server uses it).
test_password="chainmap-browser-test-$RANDOM$RANDOM"
step "accounts: wang, li (promoter), zhao (manager), chen (viewer)"
for spec in wang:promoter li:promoter zhao:manager chen:viewer; do
  printf '%s\n' "$test_password" | "$work/chainmap" user add "${spec%%:*}" --role "${spec##*:}" --state "$work/state.db" >/dev/null
done

step "serve the bundled dataset at $url"
CHAINMAP_STATE="$work/state.db" "$work/chainmap" serve --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  if curl -sf "$url/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "chainmap serve exited:" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
  sleep 0.2
done
curl -sf "$url/healthz" >/dev/null || { echo "chainmap did not become healthy" >&2; cat "$work/serve.log" >&2; exit 1; }

cd "$fe"
status=0
step "GraphQL over HTTP audit (graphql-http)"
CHAINMAP_URL="$url" node tests/audit.mjs || status=$?

step "browser tests"
CHAINMAP_URL="$url" CHAINMAP_BIN="$work/chainmap" CHAINMAP_TEST_PASSWORD="$test_password" UPDATE_SCREENSHOTS="${UPDATE_SCREENSHOTS:-0}" node --test --test-concurrency=1 tests/ || status=$?

if [[ "${PERF:-0}" == "1" ]]; then
  step "10,000 markers (synthetic dataset)"
  CHAINMAP_BIN="$work/chainmap" node tests/perf-markers.mjs || status=$?
fi

if [[ $status -ne 0 ]]; then
  echo "front-end tests failed (server log: below)" >&2
  tail -n 20 "$work/serve.log" >&2 || true
fi
echo "screenshots: $fe/test-results/screenshots/"
if [[ "${UPDATE_SCREENSHOTS:-0}" == "1" ]]; then echo "README screenshots: $root/docs/screenshots/"; fi
exit $status
