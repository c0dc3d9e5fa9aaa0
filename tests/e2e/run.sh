#!/usr/bin/env bash
# Runs one page's browser tests (its Playwright project) against a real hub and simulators from
# the build tree: tests/e2e/run.sh agency [playwright arguments...]. ctest runs it as e2e.<page>.
# Without Debian's Chromium it exits 77 (ctest: skipped), unless CNSS_E2E_REQUIRED=1 (set by
# scripts/test.sh, whose set-up installs it), where a missing browser fails.
# Screenshots: <build>/e2e-screenshots/; report, logs, render times: <build>/e2e-results/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
page=${1:?usage: tests/e2e/run.sh PAGE [playwright arguments...]}
shift
chromium=${CNSS_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "e2e.$page: $chromium is not installed (apt-get install chromium; scripts/test.sh does it)" >&2
  [[ ${CNSS_E2E_REQUIRED:-0} == 1 ]] && exit 1
  exit 77
fi
cd "$root"
exec node_modules/.bin/playwright test --config tests/e2e/playwright.config.ts --project="$page" "$@"
