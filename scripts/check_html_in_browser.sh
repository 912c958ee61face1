#!/usr/bin/env bash
# Render the HTML evaluation report in headless Chromium: no console message,
# the grade shown, A4 pages when printed. Installs Chromium (and a CJK font,
# so the Chinese text has glyphs) from Debian packages when it is missing and
# this runs as root; otherwise the browser tests are skipped with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
exec python -m pytest -m browser -rs tests/reporters/test_browser.py "$@"
