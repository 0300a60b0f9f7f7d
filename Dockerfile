# One image for every Nightshift app; the compose file picks the entry point per service.
# The build stage compiles every workspace to dist/; the runtime stage holds only that
# JavaScript and the production dependencies (no TypeScript, no tsx).
# Node 24: the Active LTS line, maintained until April 2028 (Node 20 left maintenance in April
# 2026; 22 ends in April 2027). The code also runs on Node 20.19+ (package.json `engines`) and
# uses no API newer than Node 20's (`@types/node` stays on 20 so the typecheck enforces it).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json tsconfig.build.json ./
COPY apps ./apps
COPY packages ./packages
RUN npm ci
RUN npm run build
# Each workspace's package.json (npm ci links the workspaces) and its dist/, nothing else.
RUN mkdir /deploy \
  && for ws in apps/* packages/*; do \
       mkdir -p "/deploy/$ws" && cp "$ws/package.json" "/deploy/$ws/"; \
       if [ -d "$ws/dist" ]; then cp -r "$ws/dist" "/deploy/$ws/"; fi; \
     done

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The API binds loopback unless told; in a container it must take connections from outside.
ENV HOST=0.0.0.0
COPY package.json package-lock.json ./
COPY --from=build /deploy ./
RUN npm ci --omit=dev && npm cache clean --force
USER node
CMD ["node", "apps/api/dist/main.js"]
