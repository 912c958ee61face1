#!/usr/bin/env bash
# Rewrite the reporters' golden files under tests/golden/ from the fixed
# sample (tests/data/) and, in tests/golden/samples/, the reports of the
# graded NJ-ECCS samples (evidence_samples/). Run it only when a change to a
# report is intended, then review `git diff tests/golden` (and any new file it
# lists) before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
ECS_CHECK_UPDATE_GOLDEN=1 python -m pytest -q tests/reporters/test_golden.py tests/reporters/test_tailored.py -k golden "$@"
git --no-pager diff --stat -- tests/golden || true
git ls-files --others --exclude-standard -- tests/golden | sed "s/^/new: /" || true
