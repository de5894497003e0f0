#!/usr/bin/env bash
# `npm run build`: compiles src/ into dist/ (tsc -p tsconfig.build.json, source maps beside
# each file) and copies the files read at run time that are not TypeScript (the SQL
# migrations). bin/hearth.js runs dist/ when it is at least as new as src/. Always a clean
# tree: a file deleted from src/ must not live on in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
started="$(date +%s)"
rm -rf dist
npx --no-install tsc -p tsconfig.build.json
mkdir -p dist/db/migrations
cp src/db/migrations/*.sql dist/db/migrations/
# The stamp carries the build's START time: a source saved during the build counts as newer.
touch -d "@$started" dist/.build-stamp
