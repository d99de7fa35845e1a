# The machine process (`emailcheck machine`): Node 20 running the JavaScript that scripts/build.mjs
# bundles from the TypeScript sources (esbuild, in the build stage). Built by `fly deploy` (fly.toml).

# Build: every dependency (esbuild is a dev one), then the bundle in dist/. Install scripts are
# skipped here: the build runs once the sources are in, and this stage's node_modules is not shipped.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci refuses a lockfile that lacks other platforms' optional packages (a registry that serves one
# platform writes such lockfiles, see .ci/run); npm install then installs the lockfile's versions.
RUN npm ci --ignore-scripts --no-audit --no-fund || npm install --ignore-scripts --no-audit --no-fund
COPY scripts ./scripts
COPY cli ./cli
COPY machines ./machines
COPY shared ./shared
RUN node scripts/build.mjs --force

# Dependencies, production only. scripts/ comes first: the postinstall (scripts/patch-postgres.mjs)
# patches a postgres.js crash on dropped connections and must run inside `npm ci`.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN (npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-audit --no-fund) \
 && npm cache clean --force

# Runtime: production dependencies, the bundle (with the PGlite template the build made) and the
# migrations, owned by root and run as `node`.
FROM node:20-bookworm-slim
WORKDIR /app
# NODE_OPTIONS: the heap (old space and young generation) sized for a 256 MB VM, as fly.toml sets it (raise it with the memory).
ENV NODE_ENV=production \
    HTTP_PORT=9464 \
    NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=32"
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY drizzle ./drizzle
USER node
# Only /healthz and /metrics listen; SMTP is outbound. Nothing here is meant for the internet.
EXPOSE 9464
# SIGTERM drains: stop pulling, finish or hand back in-flight checks (SHUTDOWN_GRACE_MS), flush writes.
STOPSIGNAL SIGTERM
# Docker and Compose use this; Fly ignores it and uses [checks] in fly.toml.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/emailcheck.js", "machine"]
