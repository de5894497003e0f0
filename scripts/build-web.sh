#!/usr/bin/env bash
# Builds the web UI into web/dist when a source is newer than the last build (or there is
# none; the UI also bundles src/mp4 and src/objects/labels.ts). `npm start`, `npm test` and scripts/install.sh call this; it needs the dev
# packages (vite, preact), so it runs before any `npm prune --omit=dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=web/dist/index.html
if [[ -f "$stamp" ]] && [[ -z "$(find web/index.html web/vite.config.ts web/src web/public src/mp4 src/objects/labels.ts package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  exit 0
fi
echo "hearth: building the web UI (web/dist)"
npx --no-install vite build --config web/vite.config.ts --logLevel warn
