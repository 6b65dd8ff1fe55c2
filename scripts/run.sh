#!/usr/bin/env bash
# Build chainmap (front end included, when Node is available) and serve the map on the
# embedded store with the bundled Zhengzhou aluminium dataset. No database needed.
#
# usage: scripts/run.sh [serve flags…]      e.g. scripts/run.sh --addr 127.0.0.1:9090
# With NEO4J_URI set, serve reads from Neo4j instead (load it first: bin/chainmap load DIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v go >/dev/null || { echo "run.sh: Go is required (https://go.dev/dl/)" >&2; exit 1; }

if [ -f frontend/package.json ]; then
  if command -v npm >/dev/null; then
    if [ ! -f frontend/dist/index.html ] || [ -n "$(find frontend/src frontend/index.html frontend/package.json -newer frontend/dist/index.html 2>/dev/null | head -n 1)" ]; then
      echo "run.sh: building the front end…" >&2
      (cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build) >&2
    fi
  else
    echo "run.sh: npm not found: serving without the web front end (GraphQL API only)" >&2
  fi
fi

echo "run.sh: building chainmap…" >&2
go build -o bin/chainmap ./cmd/chainmap
exec bin/chainmap serve "$@"
