#!/usr/bin/env bash
# The Action's install step (action.yml): the exact dependencies package-lock.json pins, then the
# compiled CLI. --ignore-scripts: better-sqlite3 would compile for about two minutes, and the
# Action never opens the store (scan, fix and open-pr do not). Uses the runner's Node.js (>= 20.18.1).
set -euo pipefail
cd "${GITHUB_ACTION_PATH:-$(dirname "$0")/..}"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm run --silent build
