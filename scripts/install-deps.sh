#!/usr/bin/env bash
# Installs what Hearth needs that npm does not bring, only when it is missing, then the
# npm packages. Safe to run again and again (idempotent). Debian / Raspberry Pi OS.
#   scripts/install-deps.sh          ffmpeg + npm packages (enough to run Hearth)
#   scripts/install-deps.sh --test   also chromium (UI tests), iproute2 (network namespaces),
#                                    GStreamer's RTSP server (a camera implementation Hearth did not write)
#                                    and real footage and photos for the object detector (opencv-doc, darknet)
set -euo pipefail
# onnxruntime-node bundles its CPU libraries; on linux/x64 its postinstall would also fetch CUDA ones
# from NuGet (no GPU here, and the box may have no internet): skip that.
export ONNXRUNTIME_NODE_INSTALL=skip
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
  # GStreamer's RTSP server: the second camera implementation the tests record (test/helpers/gstCamera.ts).
  [ -d /usr/lib/python3/dist-packages/gi ] || missing+=(python3-gi)
  for pkg in gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
             gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  # Real pictures for the object detector's tests: OpenCV's sample footage (people walking, a tree in
  # the wind) and darknet's sample photos (a dog, a bicycle, a truck; a person, a horse).
  [ -f /usr/share/doc/opencv-doc/examples/data/vtest.avi ] || missing+=(opencv-doc)
  [ -f /usr/share/darknet/data/dog.jpg ] || missing+=(darknet)
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
