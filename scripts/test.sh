#!/usr/bin/env bash
# The whole test suite (README: `./run test`): typecheck, lint, format check,
# unit tests, build, integration tests against a real Unleash + PostgreSQL, and
# Playwright e2e tests in Debian's Chromium. Ends with one summary line
# "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
bash scripts/install-system-deps.sh
reports="$(mktemp -d)"
step() { printf '\n=== %s ===\n' "$*"; }
status=0
step "typecheck"; npm run --silent typecheck
step "lint"; npm run --silent lint
step "format check"; npm run --silent format:check
step "electronegativity (Electron security scan; findings must be justified in docs/security.md)"
node scripts/electronegativity.ts || status=1
step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json" || status=1
step "build"; npm run --silent build
step "integration tests (real Unleash + PostgreSQL, real Prometheus)"
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$reports/integration.json" || status=1
step "e2e tests (Playwright, Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/e2e.json" npx playwright test --reporter=list,json || status=1
step "summary"
node scripts/test-summary.ts "$reports" || status=1
exit $status
