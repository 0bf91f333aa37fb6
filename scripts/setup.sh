#!/usr/bin/env bash
# `npm run setup`: installs what a fresh Debian/Ubuntu machine lacks (nats-server) and the project's packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nats-server >/dev/null 2>&1; then
  echo "== 安装 nats-server / installing nats-server (apt)"
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq nats-server
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq nats-server
  else
    echo "nats-server is missing and this user cannot install packages: run 'apt-get install -y nats-server' as root, or set NATS_URL to an existing server." >&2
    exit 4
  fi
fi
echo "nats-server: $(nats-server --version)"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node >= 20.19 is required, found " + process.version); process.exit(1) }'

echo "== npm ci"
npm ci --no-audit --no-fund
echo "== 构建监控页面 / building the dashboard page"
npm run build:web
echo "准备就绪 / ready: npm run demo"
