#!/usr/bin/env bash
# Security audit of the code and the locked dependency set (see requirements/README.md).
# Fails on: a high-severity bandit finding; a known vulnerability in requirements/lock.txt.
# Does not fail when the vulnerability service is unreachable (says so instead).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${EVENTNET_AUDIT_VENV:-${TMPDIR:-/tmp}/eventnet-audit-venv}"
if [ ! -x "$TOOLS/bin/pip-audit" ] || [ ! -x "$TOOLS/bin/bandit" ]; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet -r requirements/tools.txt
fi

echo "bandit: high-severity findings in eventnet/"
"$TOOLS/bin/bandit" -r eventnet -q --severity-level high
echo "bandit: OK (no high-severity findings)"

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
"$TOOLS/bin/pip-audit" -r requirements/lock.txt --no-deps --disable-pip \
  --progress-spinner off --format json --output "$report" --timeout 20 2>/dev/null || status=$?
python3 requirements/audit_verdict.py "$report" "$status"
