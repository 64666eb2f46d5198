#!/usr/bin/env bash
# Every test suite, from whatever state the machine is in: setup, build, then
#   native GoogleTest (+ the same under ASan/UBSan), the wasm module under node, the backend
#   against real servers, the d.ts under tsc, the room page's size budget, the browser tests in
#   Chromium, and a short fuzz pass over every parser.
# Prints one closing line "tests: N passed, N failed" (suites, not cases). Exit 0 only if all pass.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
start=$(date +%s)
bash tools/setup.sh || exit 1
bash tools/build.sh all || { echo "tests: 0 passed, 1 failed (build)"; exit 1; }

passed=0; failed=0; failures=()
suite() { # suite <name> <command...>
  local name=$1; shift
  printf '\n===== %s =====\n' "$name"
  local t0=$(date +%s)
  if "$@"; then passed=$((passed + 1)); printf '===== %s: ok (%ss)\n' "$name" $(( $(date +%s) - t0 ))
  else failed=$((failed + 1)); failures+=("$name"); printf '===== %s: FAILED (%ss)\n' "$name" $(( $(date +%s) - t0 )); fi
}

suite "native (GoogleTest)" ctest --test-dir build/native --output-on-failure -j2
suite "native under ASan+UBSan" ctest --test-dir build/asan --output-on-failure -j2
suite "wasm core under node" node --test tests/wasm/
suite "backend (real server, coturn; SQLite, then Redis + PostgreSQL)" npm --prefix backend test --silent
suite "types (tsc)" node --test tests/types/
suite "page size budget" node --test tests/size/
suite "SDK package (exports, publint, size, tsc as a consumer)" node --test tests/packages/package.test.mjs
suite "consumer apps (Vite, esbuild; Chromium)" node --test tests/packages/consumers.test.mjs
# The AWS stand-ins' own protocol tests (Node, loopback; the real vendor SDKs in a browser are in tests/browser).
if compgen -G "standins/*/test/*.test.mjs" >/dev/null; then
  suite "AWS stand-ins (Node)" node --test --test-concurrency=1 standins/*/test/*.test.mjs
fi
if [ -x tests/browser/run.sh ]; then
  suite "browser (Chromium, fake audio)" tests/browser/run.sh
fi
suite "fuzz smoke (${EARSHOT_FUZZ_SECONDS:-5}s per target)" bash tools/fuzz.sh "${EARSHOT_FUZZ_SECONDS:-5}"

printf '\ntook %ss\n' $(( $(date +%s) - start ))
[ ${#failures[@]} -eq 0 ] || printf 'failed suites: %s\n' "${failures[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
