# syntax=docker/dockerfile:1
# One image, two commands (the chart sets them):
#   node /app/dist/registry/main.js   the registry
#   node /app/dist/operator/main.js   the operator
# and the CLI: node /app/dist/cli/main.js (e.g. GOAUTH='node /app/dist/cli/main.js goauth')
# Build: docker build -t go-registry:$(node -p 'require("./package.json").version') .

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs scripts/
COPY registry registry
COPY operator operator
COPY cli cli
# The programs only (no tests, no benchmarks): the same command as `npm run build:app`.
RUN npx tsc -p tsconfig.build.json && node scripts/copy-assets.mjs

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Only node_modules leaves this stage, so no npm cache reaches the image.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
# A fixed non-root uid, matching the chart's runAsUser; the data folder is a volume.
RUN groupadd --system --gid 10001 goregistry \
    && useradd --system --uid 10001 --gid goregistry --home-dir /data --no-create-home goregistry \
    && mkdir -p /data && chown goregistry:goregistry /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080 8443 9090 8081
CMD ["node", "/app/dist/registry/main.js"]
