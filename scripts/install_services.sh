#!/usr/bin/env bash
# Installs the system packages the integration tests start themselves (Redis from Debian).
# Node.js/npm come with the machine; Hexo is installed from the npm registry by its test.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
