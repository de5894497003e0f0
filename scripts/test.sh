#!/usr/bin/env bash
# `npm test`: the whole suite on a fresh Debian machine. Installs what it needs first,
# type-checks, then runs every test file with Node's test runner (one file at a time:
# the tests run real ffmpeg and simulated cameras, and the machine has two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
npx tsc --noEmit -p .
npx tsc --noEmit -p web
bash scripts/build-web.sh
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
