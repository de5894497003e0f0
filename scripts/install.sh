#!/usr/bin/env bash
# Installs Hearth as a system service on Debian / Raspberry Pi OS (arm64, x86-64).
# Safe to run again: a second run upgrades /opt/hearth in place and never touches the
# recordings or the database in /var/lib/hearth.
#
#   sudo scripts/install.sh                      install or upgrade, enable and start
#   sudo scripts/install.sh --uninstall          remove the service and app, KEEP recordings
#   sudo scripts/install.sh --uninstall --purge  also delete /var/lib/hearth and the user
#
# Options for tests and offline installs:
#   --root DIR             install into DIR (every path prefixed; the service is not started)
#   --no-apt               do not install distribution packages (fail if ffmpeg is missing)
#   --reuse-node-modules   copy this checkout's node_modules and prune dev packages instead
#                          of `npm ci` (same machine/architecture only: native modules)
#
# Installs the compiled build only (dist/, web/dist, bin/, package.json and lock, the config
# example, the unit, README) with production packages: it builds in a scratch copy first.
set -euo pipefail
# onnxruntime-node bundles its CPU libraries; on linux/x64 its postinstall would also fetch CUDA ones
# from NuGet (no GPU here, and the box may have no internet): skip that.
export ONNXRUNTIME_NODE_INSTALL=skip

src="$(cd "$(dirname "$0")/.." && pwd)"
root=""
action=install
purge=0
use_apt=1
reuse_modules=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$(realpath -m "${2:?--root needs a directory}")"; shift ;;
    --uninstall) action=uninstall ;;
    --purge) purge=1 ;;
    --no-apt) use_apt=0 ;;
    --reuse-node-modules) reuse_modules=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1; see --help" >&2; exit 2 ;;
  esac
  shift
done
[ "$purge" = 1 ] && [ "$action" != uninstall ] && { echo "install.sh: --purge only goes with --uninstall" >&2; exit 2; }

app="$root/opt/hearth"
data="$root/var/lib/hearth"
unit="$root/etc/systemd/system/hearth.service"
user=hearth

say() { echo "hearth-install: $*"; }
die() { echo "hearth-install: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo $0): it creates a system user and installs a service"

# systemctl only makes sense for the real root on a machine booted with systemd.
systemd_running() { [ -z "$root" ] && [ -d /run/systemd/system ] && [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; }

user_exists() {
  if [ -n "$root" ]; then grep -q "^$user:" "$root/etc/passwd" 2>/dev/null; else getent passwd "$user" >/dev/null; fi
}

# ids from the target root's own passwd, so --root never chowns to the host's idea of "hearth"
owner_of() {
  if [ -n "$root" ]; then
    awk -F: -v u="$user" '$1 == u { print $3 ":" $4 }' "$root/etc/passwd"
  else
    echo "$user:$user"
  fi
}

uninstall() {
  if systemd_running; then
    systemctl disable --now hearth.service 2>/dev/null || say "service was not running"
  fi
  rm -f "$unit"
  systemd_running && systemctl daemon-reload
  rm -rf "$app" "$app.new" "$app.old" "$app.stage"
  if [ "$purge" = 1 ]; then
    rm -rf "$data"
    if user_exists; then
      if [ -n "$root" ]; then userdel --root "$root" "$user"; else userdel "$user"; fi
    fi
    say "removed Hearth, its data dir $data and the user $user"
  else
    say "removed Hearth; recordings and database kept in $data (delete them with --uninstall --purge)"
  fi
}

install_packages() {
  local missing=()
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
  # better-sqlite3 ships no prebuilt binary for every Node/arch pair: it may build from source.
  command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || missing+=(build-essential)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  if [ "${#missing[@]}" -eq 0 ]; then say "distribution packages present"; return; fi
  [ "$use_apt" = 1 ] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or drop --no-apt"
  say "installing ${missing[*]} from the distribution"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_node() {
  command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is needed; Debian bookworm ships 18: install Node 20 (https://nodejs.org or NodeSource) and run this again"
  command -v npm >/dev/null 2>&1 && command -v npx >/dev/null 2>&1 \
    || die "npm or npx is missing (both come with Node.js from nodejs.org or NodeSource); install them and run this again"
  local major minor
  IFS=. read -r major minor _ < <(node -p 'process.versions.node')
  if [ "$major" -lt 20 ] || { [ "$major" = 20 ] && [ "$minor" -lt 9 ]; }; then
    die "Node.js $(node -v) is too old; Hearth needs 20.9 or newer (install Node 20 from nodejs.org or NodeSource)"
  fi
  # Native modules (better-sqlite3) build against this Node's own headers when it ships them
  # (nodejs.org tarballs, NodeSource, Debian): no header download, works offline.
  local prefix
  prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi
}

create_user() {
  if user_exists; then say "user $user exists"; return; fi
  if [ -n "$root" ]; then
    [ -f "$root/etc/passwd" ] || die "$root/etc/passwd missing: --root needs a root filesystem with /etc/passwd and /etc/group"
    useradd --root "$root" --system --user-group --home-dir /var/lib/hearth --shell /usr/sbin/nologin "$user"
  else
    useradd --system --user-group --home-dir /var/lib/hearth --shell /usr/sbin/nologin "$user"
  fi
  say "created system user $user"
}

# The runtime only: the compiled build, the web UI, the launcher and what npm needs to
# install the production packages. No src/, test/, bench/, TypeScript or tsx.
runtime_files=(bin/hearth.js dist web/dist package.json package-lock.json config systemd README.md)

# A checkout's node_modules may be a symlink (a git worktree sharing another's): copy what
# it points at, never the link, so a prune cannot reach into the checkout's own packages.
copy_modules() { cp -a "$(realpath "$1")" "$2"; }

# Builds dist/ and web/dist in a scratch copy of the checkout ($stage), with the dev
# packages: the checkout's own when it has them, else a full npm ci in the copy.
build_stage() {
  rm -rf "$stage"
  mkdir -p "$stage"
  tar -C "$src" --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./data-demo --exclude=./.git \
    --exclude=./test-artifacts --exclude=./.tmp --exclude=./.devtmp -cf - . | tar -C "$stage" -xf -
  if [ -d "$src/node_modules/typescript" ]; then
    ln -s "$(realpath "$src/node_modules")" "$stage/node_modules"
  else
    say "installing npm packages to build Hearth (better-sqlite3 may build from source: a few minutes on a Pi)"
    # --prefer-offline: the lock file pins every version and hash; cached metadata is enough.
    (cd "$stage" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  fi
  say "building the web UI"
  (cd "$stage" && npm run --silent build:web)
  say "building Hearth (dist/)"
  (cd "$stage" && npm run --silent build >/dev/null)
}

install_app() {
  # Build the new tree beside the old one, then swap: a failed build or npm ci leaves the running install alone.
  local stage="$app.stage"
  rm -rf "$app.new" "$app.old"
  build_stage
  mkdir -p "$app.new"
  (cd "$stage" && tar -cf - "${runtime_files[@]}") | tar -C "$app.new" -xf -
  if [ "$reuse_modules" = 1 ]; then
    [ -d "$src/node_modules" ] || die "--reuse-node-modules: $src/node_modules does not exist; run npm ci there first"
    copy_modules "$src/node_modules" "$app.new/node_modules"
    (cd "$app.new" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error)
  elif [ -d "$app/node_modules" ] && cmp -s "$app/package-lock.json" "$app.new/package-lock.json" \
       && [ "$(cat "$app/node_modules/.hearth-node-abi" 2>/dev/null)" = "$(node -p process.versions.modules)" ]; then
    # Same lock file, same Node ABI: the installed production packages still fit (no native rebuild).
    cp -a "$app/node_modules" "$app.new/node_modules"
    say "dependencies unchanged; reused the installed node_modules"
  elif [ -d "$stage/node_modules" ] && [ ! -L "$stage/node_modules" ]; then
    # The packages the build just installed, less the dev ones: one npm ci, not two.
    mv "$stage/node_modules" "$app.new/node_modules"
    (cd "$app.new" && npm prune --omit=dev --no-audit --no-fund --loglevel=error)
  else
    say "installing npm packages (better-sqlite3 may build from source: a few minutes on a Pi)"
    (cd "$app.new" && npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error)
  fi
  rm -rf "$stage"
  node -p process.versions.modules > "$app.new/node_modules/.hearth-node-abi"
  if [ -d "$app" ]; then mv "$app" "$app.old"; fi
  mv "$app.new" "$app"
  rm -rf "$app.old"
  chown -R root:root "$app"
  chmod -R go-w "$app"
}

install_data_dir() {
  # Never touches what is inside: the database and recordings survive every upgrade.
  mkdir -p "$data"
  chmod 0750 "$data"
  chown "$(owner_of)" "$data"
}

install_unit() {
  mkdir -p "$(dirname "$unit")"
  local node_bin
  node_bin="$(command -v node)"
  # The unit says /usr/bin/node; point it at the Node this script checked.
  sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$src/systemd/hearth.service" > "$unit.tmp"
  chmod 0644 "$unit.tmp"
  mv "$unit.tmp" "$unit"
}

start_service() {
  if ! systemd_running; then
    say "systemd is not running here (or --root was given): not enabling the service"
    say "start it by hand: sudo -u $user HEARTH_DATA=/var/lib/hearth node /opt/hearth/bin/hearth.js start"
    return
  fi
  systemctl daemon-reload
  systemctl enable hearth.service >/dev/null
  # restart, not start: a second run must load the upgraded code.
  systemctl restart hearth.service
  say "service enabled and started (systemctl status hearth)"
}

print_next_steps() {
  local address
  address="$(hostname -I 2>/dev/null | awk '{print $1}' || true)"
  say "open http://${address:-THIS-HOST}:8080 in a browser on the LAN"
  say "first run: the one-time setup code is in the log: journalctl -u hearth | grep -i 'setup code'"
}

if [ "$action" = uninstall ]; then uninstall; exit 0; fi
install_packages
check_node
create_user
install_data_dir
install_app
install_unit
start_service
print_next_steps
