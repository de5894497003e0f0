#!/usr/bin/env bash
# `npm start`: make sure ffmpeg and the npm packages are there, then `hearth start`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-web.sh
exec node bin/hearth.js start "$@"
