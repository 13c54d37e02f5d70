# syntax=docker/dockerfile:1
# fixloop's GitHub App. Every step is scripts/image.sh, which CI runs outside a container too.
#   docker build -t fixloop .
#   docker run -p 3000:3000 -v fixloop-data:/data --env-file .env fixloop
# With PostgreSQL: docker compose up (docker-compose.yml).

ARG NODE_VERSION=22

# Build: the exact dependencies package-lock.json pins (better-sqlite3 compiles here when no
# prebuilt binary can be downloaded), compiled to dist/, then only production dependencies kept.
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/image.sh build /src /app

# Run: no compiler, no dev dependencies, not root.
FROM node:${NODE_VERSION}-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build /app /app
COPY scripts/image.sh /app/scripts/image.sh
ENV NODE_ENV=production \
    PORT=3000 \
    FIXLOOP_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 3000
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/app/scripts/image.sh", "healthcheck"]
# tini is PID 1: it forwards SIGTERM to node (which drains the worker) and reaps the git processes.
ENTRYPOINT ["/usr/bin/tini", "--", "/app/scripts/image.sh"]
CMD ["start"]
