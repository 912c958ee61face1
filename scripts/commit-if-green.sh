#!/usr/bin/env bash
# Commit only when the whole suite passes: scripts/commit-if-green.sh -m "message"
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
ruff check checker tests benchmarks
pytest -q -p no:cacheprovider
git add -A
git commit -q "$@"
echo "committed: $(git log --oneline -1)"
