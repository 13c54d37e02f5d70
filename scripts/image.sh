#!/usr/bin/env bash
# The container image's steps, in one script the Dockerfile runs and CI runs outside a container
# (scripts/image-check.mjs, from .ci/run), so what CI checks is what the image does.
#
#   scripts/image.sh build <source-dir> <app-dir>   install exactly package-lock.json, compile,
#                                                  keep production dependencies only, copy the app
#   scripts/image.sh start                          the app in the current directory (an app-dir)
#   scripts/image.sh healthcheck                    exit 0 when GET /healthz answers 200
set -euo pipefail

case "${1:-}" in
  build)
    src="$(cd "$2" && pwd)"
    mkdir -p "$3"
    out="$(cd "$3" && pwd)"
    cd "$src"
    npm ci --no-audit --no-fund --loglevel=error   # prepare compiles src/ to dist/
    npm prune --omit=dev --no-audit --no-fund --loglevel=error
    cp -R package.json package-lock.json app.yml bin dist templates node_modules "$out/"
    ;;
  start)
    # exec: node becomes the process the signals go to (tini is PID 1 in the image and forwards
    # them); the app drains its worker on SIGTERM (src/app.ts).
    exec node --enable-source-maps dist/server.js
    ;;
  healthcheck)
    exec node -e '
      fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`, { signal: AbortSignal.timeout(4000) })
        .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));'
    ;;
  *)
    echo "usage: scripts/image.sh build <source-dir> <app-dir> | start | healthcheck" >&2
    exit 2
    ;;
esac
