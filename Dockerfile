# The mediator as a container image: a build stage compiles the TypeScript
# (tsc -b over d2m/, d2d/ and src/, plus the Lua, SQL and generated files),
# a deps stage installs the production dependencies only, and the runtime
# stage runs `mediator serve` as the unprivileged `node` user.
#
#   docker build -t d2m-mediator .
#   docker run --rm -p 8080:8080 -p 127.0.0.1:9090:9090 d2m-mediator
#
# Configuration comes from MEDIATOR_* variables, REDIS_URL and DATABASE_URL
# (docs/configuration.md). SIGTERM drains the node (devices closed with 1001
# over MEDIATOR_DRAIN_WINDOW_MS), so give `docker stop` more time than that
# window (compose: stop_grace_period).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY proto ./proto
COPY d2m ./d2m
COPY d2d ./d2d
COPY src ./src
COPY scripts/copy-assets.mjs ./scripts/copy-assets.mjs
RUN npx tsc -b src && node scripts/copy-assets.mjs

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MEDIATOR_HOST=0.0.0.0 \
    MEDIATOR_PORT=8080 \
    MEDIATOR_ADMIN_HOST=0.0.0.0 \
    MEDIATOR_ADMIN_PORT=9090
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/d2m ./dist/d2m
COPY --from=build --chown=root:root /app/dist/d2d ./dist/d2d
COPY --from=build --chown=root:root /app/dist/src ./dist/src
COPY --chown=root:root package.json ./
USER node
# 8080: devices (ws:// or, with MEDIATOR_TLS_CERT/MEDIATOR_TLS_KEY, wss://); 9090: /livez, /readyz, /metrics, admin API.
EXPOSE 8080 9090
# Liveness only (the process answers); readiness (/readyz) is for load balancers and fails during a drain.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MEDIATOR_ADMIN_PORT || '9090') + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=32", "dist/src/main.js"]
CMD ["serve"]
