#!/usr/bin/env bash
# Installs Debian's headless Chromium (used by the HTML invoice test) when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium: FAILED: not installed and not root; run: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "chromium: installing Debian's chromium package..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q chromium >/tmp/ratel-chromium-install.log 2>&1; then
  apt-get update -q >>/tmp/ratel-chromium-install.log 2>&1
  apt-get install -y -q chromium >>/tmp/ratel-chromium-install.log 2>&1 || {
    echo "chromium: FAILED: apt-get install chromium (log: /tmp/ratel-chromium-install.log)" >&2
    exit 1
  }
fi
