#!/usr/bin/env bash
# Installs what Hearth needs that npm does not bring, only when it is missing, then the
# npm packages. Safe to run again and again (idempotent). Debian / Raspberry Pi OS.
#   scripts/install-deps.sh          ffmpeg + npm packages (enough to run Hearth)
#   scripts/install-deps.sh --test   also chromium (UI tests) and iproute2 (network namespaces)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
if [ "$want_test" = 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v mount >/dev/null 2>&1 || missing+=(mount)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "hearth: installing ${missing[*]} from the distribution" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "hearth: need root to install ${missing[*]}: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "hearth: installing npm packages (better-sqlite3 builds from source: about a minute)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
