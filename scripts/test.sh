#!/usr/bin/env bash
# `npm test`: the whole suite on a fresh Debian machine. Installs what it needs first,
# type-checks, builds the UI, then runs the suite in two tiers with Node's test runner:
#   fast    test/fast-tier.txt: no cameras, no browser, no wall clock; in parallel (seconds)
#   system  everything else, one file at a time: real ffmpeg, simulated and GStreamer cameras,
#           Chromium, bounded times on a 2-core machine
# HEARTH_TEST_TIER=fast (npm run test:fast) runs only the fast tier; =system only the other.
# The last line adds both tiers up: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${HEARTH_TEST_TIER:-all}"
case "$tier" in all|fast|system) ;; *) echo "hearth: HEARTH_TEST_TIER must be all, fast or system (got \"$tier\")" >&2; exit 2 ;; esac
bash scripts/install-deps.sh --test
npx tsc --noEmit -p .
npx tsc --noEmit -p web
[ "$tier" = fast ] || bash scripts/build-web.sh

mapfile -t listed < <(grep -v '^\s*\(#\|$\)' test/fast-tier.txt)
fast=()
system=()
while IFS= read -r file; do
  if printf '%s\n' "${listed[@]}" | grep -qxF "$(basename "$file")"; then fast+=("$file"); else system+=("$file"); fi
done < <(find test -name '*.test.ts' | sort)
[ "${#fast[@]}" -eq "${#listed[@]}" ] || { echo "hearth: test/fast-tier.txt names a file that does not exist" >&2; exit 2; }

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
run_tier() { # name concurrency files...
  local name="$1" concurrency="$2"
  shift 2
  echo "# tier $name: $# files, $concurrency at a time"
  node --import tsx --test --test-concurrency="$concurrency" "$@" | tee "$results/$name.tap" || status=1
}
[ "$tier" = system ] || run_tier fast 4 "${fast[@]}"
[ "$tier" = fast ] || run_tier system 1 "${system[@]}"

count() { cat "$results"/*.tap | sed -n "s/^# $1 \([0-9]*\)$/\1/p" | awk '{s += $1} END {print s + 0}'; }
echo "tests: $(count pass) passed, $(count fail) failed, $(count skipped) skipped"
exit "$status"
