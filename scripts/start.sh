#!/usr/bin/env bash
# `npm start`: make sure ffmpeg and the npm packages are there, build what is out of date
# (web/dist; dist/ when a file in src/ is newer than the last build), then `hearth start`
# from the compiled build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-web.sh
if [[ ! -f dist/.build-stamp ]] || [[ -n "$(find src -newer dist/.build-stamp -print -quit)" ]]; then
  echo "hearth: building dist/"
  bash scripts/build.sh
fi
exec node bin/hearth.js start "$@"
