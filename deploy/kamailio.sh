#!/usr/bin/env bash
# Installs Debian's kamailio (the SIP proxy whose acc CDRs tests/integration/kamailio.test.ts
# imports) and sip-tester (sipp, the callers and callees of that test) when missing.
set -euo pipefail
if command -v kamailio >/dev/null 2>&1 && command -v sipp >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "kamailio: FAILED: kamailio or sipp not installed and not root; run: sudo apt-get install -y kamailio sip-tester" >&2
  exit 1
fi
echo "kamailio: installing Debian's kamailio and sip-tester packages..." >&2
export DEBIAN_FRONTEND=noninteractive
LOG=/tmp/ratel-kamailio-install.log
if ! apt-get install -y -q --no-install-recommends kamailio sip-tester >"$LOG" 2>&1; then
  apt-get update -q >>"$LOG" 2>&1
  apt-get install -y -q --no-install-recommends kamailio sip-tester >>"$LOG" 2>&1 || {
    echo "kamailio: FAILED: apt-get install kamailio sip-tester (log: $LOG)" >&2
    exit 1
  }
fi
# The package starts its own proxy (every interface, port 5060) where systemd runs: stop it, the
# test starts one of its own on loopback ports.
if [ -d /run/systemd/system ]; then systemctl disable --now kamailio >>"$LOG" 2>&1 || true; fi
if ! command -v kamailio >/dev/null 2>&1 || ! command -v sipp >/dev/null 2>&1; then
  echo "kamailio: FAILED: kamailio or sipp still missing after apt-get install (log: $LOG)" >&2
  exit 1
fi
