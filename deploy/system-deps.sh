#!/usr/bin/env bash
# What the tests need from Debian besides Python, Java and Maven: PostgreSQL (integration tests
# of concurrency and durability), Chromium and a Chinese font (the console's browser tests), and
# promtool, to check the alert rules (Debian ships it in the prometheus package; its server is not used here).
# Installs whatever is missing — as root, or through sudo without a password — so that `make test`
# does its own set-up on a fresh machine; otherwise says what to install, and fails.
set -euo pipefail
missing=()
command -v pg_lsclusters >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
optional=()  # promtool: `make lint` checks the alert rules with it, and says so when it is not there
command -v promtool >/dev/null || optional+=(prometheus)
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  [ ${#missing[@]} -eq 0 ] && { echo "[deps] promtool not installed (optional: Debian package prometheus)"; exit 0; }
  echo "[deps] missing Debian packages: ${missing[*]}" >&2
  echo "[deps] install them once: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "[deps] installing from Debian packages: ${missing[*]} ${optional[*]} (first time: a minute or two)"
"${sudo[@]}" apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#optional[@]} -gt 0 ]; then  # never fails the set-up: only the rules check depends on it
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${optional[@]}" \
    >/dev/null 2>&1 || echo "[deps] ${optional[*]} did not install: alert rules not checked by promtool"
fi
