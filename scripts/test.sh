#!/usr/bin/env bash
# `npm test`: the whole suite on a fresh Debian machine. Installs what it needs first,
# type-checks, builds the UI, then runs the suite in three tiers with Node's test runner:
#   unit         test/unit/: no child process, no network, no browser; 4 at a time (seconds)
#   integration  test/integration/: real SQLite, real ffmpeg, the simulators, GStreamer and
#                replayed real cameras on loopback; parallel-safe.txt 4 at a time, the rest one by one
#   e2e          test/e2e/: a real `hearth` process, root (namespaces, mounts), Chromium; one at a time
# HEARTH_TEST_TIER=unit|integration|e2e runs one tier (npm run test:unit = unit).
# The last line adds the tiers up: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${HEARTH_TEST_TIER:-all}"
case "$tier" in all|unit|integration|e2e) ;; *) echo "hearth: HEARTH_TEST_TIER must be all, unit, integration or e2e (got \"$tier\")" >&2; exit 2 ;; esac
# The house rules (no folder or file import cycle, no source file over 400 lines) hold in every tier.
node scripts/check-house.mjs
if [ "$tier" = unit ]; then
  npx tsc --noEmit -p .
else
  bash scripts/install-deps.sh --test
  npx tsc --noEmit -p .
  npx tsc --noEmit -p web
  bash scripts/build-web.sh
  # Always rebuilt, so the integration and e2e tiers spawn the compiled build of this tree:
  # HEARTH_TEST_BUILD=1 stops test/helpers/hearthProcess.ts asking bin/hearth.js for src/.
  bash scripts/build.sh
  export HEARTH_TEST_BUILD=1
fi

# A set, not `printf | grep -q`: under pipefail, grep's early exit can SIGPIPE printf and
# turn a listed file into a serial one (or fail the count below) at random.
declare -A listed=()
while IFS= read -r name; do listed["$name"]=1; done < <(grep -v '^\s*\(#\|$\)' test/integration/parallel-safe.txt)
parallel=()
serial=()
for file in test/integration/*.test.ts; do
  if [ -n "${listed[$(basename "$file")]:-}" ]; then parallel+=("$file"); else serial+=("$file"); fi
done
[ "${#parallel[@]}" -eq "${#listed[@]}" ] || { echo "hearth: test/integration/parallel-safe.txt names a file that does not exist" >&2; exit 2; }

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
run_tier() { # name concurrency files...
  local name="$1" concurrency="$2" started="$SECONDS"
  shift 2
  echo "# tier $name: $# files, $concurrency at a time"
  node --import tsx --test --test-concurrency="$concurrency" "$@" | tee "$results/$name.tap" || status=1
  echo "# tier $name: $((SECONDS - started)) s"
}
want() { [ "$tier" = all ] || [ "$tier" = "$1" ]; }
want unit && run_tier unit 4 test/unit/*.test.ts
want integration && run_tier integration-parallel 4 "${parallel[@]}"
want integration && run_tier integration 1 "${serial[@]}"
want e2e && run_tier e2e 1 test/e2e/*.test.ts

count() { cat "$results"/*.tap | sed -n "s/^# $1 \([0-9]*\)$/\1/p" | awk '{s += $1} END {print s + 0}'; }
echo "tests: $(count pass) passed, $(count fail) failed, $(count skipped) skipped"
exit "$status"
