#!/usr/bin/env bash
# Builds Earshot. Usage: tools/build.sh [native|asan|wasm|web|all]...   (default: all)
#   native  core + GoogleTest suite (build/native)
#   asan    the same under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan)
#   wasm    the size-tuned browser module and the simulation module (build/wasm)
#   web     the pages, assembled into dist/web from shell/, web/ and the wasm build (+ dist/web-<vendor>)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf '[build] %s\n' "$*"; }
# Runs a build command with ninja's progress lines filtered out; returns the command's own status.
quiet() { "$@" 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\] ' || true; }; return "${PIPESTATUS[0]}"; }
JOBS=${EARSHOT_JOBS:-$(nproc)}
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(all)

native() { # native <dir> [cmake args]
  local dir=$1; shift
  [ -f "$dir/build.ninja" ] || cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  say "native build in $dir"
  quiet ninja -C "$dir" -j "$JOBS"
}

wasm() {
  if [ ! -f build/wasm/build.ninja ]; then
    # emcmake's default emulator flag (--experimental-wasm-threads) is rejected by node 20.
    NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel \
      -DCMAKE_CROSSCOMPILING_EMULATOR="$(command -v node)" -DEARSHOT_TESTS=OFF >/dev/null
  fi
  say "wasm build in build/wasm"
  quiet env NODE_PATH=/usr/share/nodejs ninja -C build/wasm -j "$JOBS"
}

web() {
  say "pages into dist/web"
  bash tools/build_web.sh build/wasm dist/web
  # The vendor profiles' pages (full core + adapter + the vendor SDK from npm), one folder each.
  for p in chime ivs kvs; do
    [ -f "web/vendor/$p.js" ] || continue
    say "pages of the $p profile into dist/web-$p"
    EARSHOT_SKIP_WASM_BUILD=1 bash tools/build_web.sh --profile "$p" build/wasm "dist/web-$p"
  done
}

for t in "${targets[@]}"; do
  case $t in
    native) native build/native ;;
    asan) native build/asan -DEARSHOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug ;;
    wasm) wasm ;;
    web) web ;;
    all) native build/native; native build/asan -DEARSHOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug; wasm; web ;;
    *) echo "unknown target '$t' (native|asan|wasm|web|all)" >&2; exit 2 ;;
  esac
done
