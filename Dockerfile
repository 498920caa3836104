# Talon's image: one image for every service (worker, serve + scheduler, the emulator); the command
# picks the service. Build: docker build -t talon .   (docker-compose.yml builds it too)
#
# Node 24 is an LTS line supported until April 2028 (Talon runs on Node >= 20.19; CI uses 20).

# --- build: production dependencies, and the JavaScript build of the CLI (npm ci runs `prepare`) ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
COPY schemas ./schemas
COPY playbooks ./playbooks
# --omit=dev: no test runner, type checker or linter in the image. `npm run build` compiles the CLI,
# workers and server to dist/<fingerprint> (esbuild is a production dependency); `prepare` already
# ran it inside npm ci, so it is said here for the reader and fails the build if nothing was compiled.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm run build \
 && test -f dist/*/src/cli/index.js \
 && npm cache clean --force

# --- runtime: only what runs, owned by root and read-only to the service user ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TALON_TOKENS_FILE=/var/lib/talon/tokens.json
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/workers ./workers
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/playbooks ./playbooks
# The tokens file lives on a volume the service user may write (talon tokens create|revoke).
RUN mkdir -p /var/lib/talon && chown node:node /var/lib/talon && chmod 0700 /var/lib/talon
VOLUME ["/var/lib/talon"]
# The image's own non-root user (uid 1000); nothing under /app is writable by it.
USER node
EXPOSE 8080
# For `talon serve` (the default command); the worker service in docker-compose.yml sets its own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/talon.mjs", "serve", "--host", "0.0.0.0", "--port", "8080"]
