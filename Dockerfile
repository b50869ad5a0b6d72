# psm-netcheck: multi-stage build on the official Node 20 image.
# Build:  docker build -t psm-netcheck .
# Run:    docker run --rm --cap-add NET_RAW \
#           -v /etc/psm-netcheck:/etc/psm-netcheck:ro -v /var/lib/psm-netcheck:/var/lib/psm-netcheck \
#           psm-netcheck check -i /etc/psm-netcheck/inventory.yaml -o /var/lib/psm-netcheck/report.json
# NET_RAW lets the ICMP probe use a raw socket; without it the probe falls back to the ping
# command, or reports no-icmp-privilege. Use --network host to probe from the host's addresses.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native addons (raw-socket, ssh2's optional cpu-features) build with python3, make and g++.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY probes ./probes
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# iputils-ping: the unprivileged ICMP fallback (it carries cap_net_raw itself).
RUN apt-get update && apt-get install -y --no-install-recommends iputils-ping && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json inventory.example.yaml ./
COPY schemas ./schemas
RUN mkdir -p /etc/psm-netcheck /var/lib/psm-netcheck && chown node:node /var/lib/psm-netcheck
USER node
VOLUME ["/etc/psm-netcheck", "/var/lib/psm-netcheck"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["--help"]
