# syntax=docker/dockerfile:1
# Santushti for production: the helpline on a real MongoDB (MONGODB_URI; see deploy/compose.yaml and docs/deploy.md).
# The embedded database (Java) is for laptops and pilots and is not in this image.

# ── build: install every dependency and type-check ──────────────────────────────────────────────────────────────────
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=true
COPY package.json package-lock.json .puppeteerrc.cjs ./
COPY db/fetchJars.ts db/embeddedMongo.ts db/
# postinstall only fetches the embedded database's jars when Maven is there; it is not, and it says so and goes on.
RUN npm install --no-audit --no-fund
COPY . .
RUN npx tsc --noEmit -p . && npm prune --omit=dev --no-audit --no-fund

# ── run: the sources, production dependencies, a user without privileges ──────────────────────────────────────────
FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3978 \
    LOG_FORMAT=json \
    DATA_DIR=/var/lib/santushti \
    NODE_OPTIONS=--max-old-space-size=256
RUN mkdir -p /var/lib/santushti && chown node:node /var/lib/santushti
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3978
# /healthz answers 503 while the database is unreachable: the orchestrator and the proxy take the process out of service.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "server/main.ts"]
