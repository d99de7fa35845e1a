# The machine process (emailcheck machine). Node 20, TypeScript run through tsx: no build step.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY shared ./shared
COPY machines ./machines
COPY drizzle ./drizzle
USER node
EXPOSE 9464
STOPSIGNAL SIGTERM
CMD ["node", "bin/emailcheck.js", "machine"]
