#!/usr/bin/env bash
# Installs the system packages the integration tests start themselves: Redis, and headless
# Chromium with its driver and CJK fonts for the blog-in-a-browser test, all from Debian.
# Node.js/npm come with the machine; Hexo is installed from the npm registry by its test.
set -euo pipefail
packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/bin/chromedriver ] || packages+=(chromium-driver)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || packages+=(fonts-noto-cjk)
if [ "${#packages[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
