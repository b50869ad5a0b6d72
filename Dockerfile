# psm-netcheck: multi-stage build on the official Node 20 image.
# Build:  docker build -t psm-netcheck .
# Run:    docker run --rm --cap-add NET_RAW \
#           -v /etc/psm-netcheck:/etc/psm-netcheck:ro -v /var/lib/psm-netcheck:/var/lib/psm-netcheck \
#           psm-netcheck check -i /etc/psm-netcheck/inventory.yaml -o /var/lib/psm-netcheck/report.json
# Serve: docker run -d --network host --cap-add NET_RAW -v /etc/psm-netcheck:/etc/psm-netcheck:ro \
#           psm-netcheck serve -i /etc/psm-netcheck/inventory.yaml --interval 5m --listen 127.0.0.1:9469
# ICMP needs NET_RAW: Docker grants it by default, Podman and Kubernetes' restricted profiles do
# not, so pass --cap-add NET_RAW. As the non-root user the probe uses the image's ping (which holds
# the capability itself); the in-process raw socket would need --user root. Without NET_RAW ICMP
# paths report no-icmp-privilege. Use --network host to probe from the host's addresses (and so
# that serve's loopback address is the host's loopback).

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
# iputils-ping: ICMP for the non-root user (setuid or cap_net_raw on the binary, within the container's NET_RAW).
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
