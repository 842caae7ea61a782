#!/usr/bin/env bash
# Check that every queries/**/*.cypher parses as Neo4j 5 Cypher with Neo4j's own parser
# (@neo4j-cypher/language-support, pinned in tools/cypher-lint/package-lock.json).
# *.falkordb.cypher files (FalkorDB-only variants) are skipped.
# Usage: scripts/lint-cypher.sh [--warnings] [FILE_OR_DIR...]   (default: queries/)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "lint-cypher: node is not installed" >&2; exit 2; }
if [ ! -d tools/cypher-lint/node_modules/@neo4j-cypher/language-support ]; then
  (cd tools/cypher-lint && npm ci --silent --no-audit --no-fund)
fi
args=("$@")
has_target=false
for a in "${args[@]+"${args[@]}"}"; do [ "$a" != --warnings ] && has_target=true; done
$has_target || args+=(queries)
exec node tools/cypher-lint/lint.mjs "${args[@]}"
