# One image for every Nightshift app; the compose file picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY apps ./apps
COPY packages ./packages
RUN npm ci --omit=dev
ENV NODE_ENV=production
# The API binds loopback unless told; in a container it must take connections from outside.
ENV HOST=0.0.0.0
USER node
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]
