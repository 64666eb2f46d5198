#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/fuzz_*.cpp) for a bounded time each.
# Usage: tools/fuzz.sh [seconds per target, default 60] [target-name ...]
# Corpora live in build/fuzz/corpus/<target> (outside git); a crash leaves its input in build/fuzz/.
# tests/fuzz/<target>.options, when present, holds extra libFuzzer flags for that target.
# Then the room pages' JSON reader, which runs only in a JS engine (src/wasm/json_browser.cpp), gets its
# own pass: seeded mutations compared with nlohmann's parser, ~20,000 per second asked for (tests/wasm).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECS=${1:-60}; shift || true
if [ ! -f build/fuzz/build.ninja ]; then
  cmake -S . -B build/fuzz -G Ninja -DEARSHOT_FUZZ=ON -DEARSHOT_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
fi
ninja -C build/fuzz 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\] ' || true; }
[ "${PIPESTATUS[0]}" = 0 ] || { echo "[fuzz] build failed" >&2; exit 1; }
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do names+=("$(basename "$f" .cpp)"); done
fi
status=0
for n in "${names[@]}"; do
  bin=build/fuzz/tests/fuzz/$n
  mkdir -p "build/fuzz/corpus/$n"
  log=build/fuzz/$n.log
  if (cd build/fuzz && "../../$bin" -max_total_time="$SECS" -print_final_stats=1 -artifact_prefix="$n-" \
        $(cat "../../tests/fuzz/$n.options" 2>/dev/null) "corpus/$n" >"$n.log" 2>&1); then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    printf '[fuzz] %-16s %4ss  %10s execs  no findings\n' "$n" "$SECS" "${execs:-?}"
  else
    status=1
    printf '[fuzz] %-16s FINDING — see %s\n' "$n" "$log"
    grep -m5 -E 'ERROR|SUMMARY|Test unit written' "$log" || true
  fi
done
if [ ${#@} -eq 0 ] && [ -f build/wasm/src/wasm/earshot_sim.wasm ]; then
  mutants=$((SECS * 20000)) seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
  if EARSHOT_JSON_MUTANTS=$mutants EARSHOT_JSON_SEED=$seed node --test --test-name-pattern=mutations tests/wasm/json.test.mjs >build/fuzz/json_browser.log 2>&1; then
    printf '[fuzz] %-16s %10s mutants  no findings (the same answers as nlohmann)\n' json_browser "$mutants"
  else
    status=1
    printf '[fuzz] %-16s FINDING (EARSHOT_JSON_SEED=%s EARSHOT_JSON_MUTANTS=%s) — see %s\n' json_browser "$seed" "$mutants" build/fuzz/json_browser.log
    grep -m5 -E 'different|refuses|accepts' build/fuzz/json_browser.log || true
  fi
fi
exit $status
