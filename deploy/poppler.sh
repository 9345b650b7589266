#!/usr/bin/env bash
# Installs Debian's poppler-utils (pdftoppm, pdftotext: used by the PDF invoice test) when missing.
set -euo pipefail
if command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "poppler: FAILED: not installed and not root; run: sudo apt-get install -y poppler-utils" >&2
  exit 1
fi
echo "poppler: installing Debian's poppler-utils package..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q poppler-utils >/tmp/ratel-poppler-install.log 2>&1; then
  apt-get update -q >>/tmp/ratel-poppler-install.log 2>&1
  apt-get install -y -q poppler-utils >>/tmp/ratel-poppler-install.log 2>&1 || {
    echo "poppler: FAILED: apt-get install poppler-utils (log: /tmp/ratel-poppler-install.log)" >&2
    exit 1
  }
fi
