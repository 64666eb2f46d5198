#!/usr/bin/env bash
# Idempotent setup for a Debian 12 machine: installs what is missing, fetches third-party
# sources that must be compiled to wasm into a cache outside git, installs JS tooling from lockfiles.
# Quick when nothing is missing. Prints what it did.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${EARSHOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/earshot}
mkdir -p "$CACHE"
say() { printf '[setup] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# --- Debian packages -------------------------------------------------------------------------
# emcc: when an emsdk emcc is already on PATH we use it as is and skip Debian's emscripten.
PKGS=(cmake ninja-build g++ clang libclang-rt-14-dev libgtest-dev libgmock-dev libbenchmark-dev
      nlohmann-json3-dev libmbedtls-dev binaryen wabt node-acorn
      chromium coturn sox brotli sqlite3 dpkg-dev python3 make
      redis-server postgresql)  # the backend's Redis + PostgreSQL tests start their own servers
if command -v emcc >/dev/null 2>&1 && ! dpkg -s emscripten >/dev/null 2>&1; then
  say "using emcc already on PATH: $(command -v emcc)"
else
  PKGS+=(emscripten)
fi
# node + npm: any node >= 18 already on PATH will do (the image's comes from nodesource and bundles npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then PKGS+=(nodejs npm); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all present"
fi

# --- Third-party sources compiled from source (mbedTLS for both builds, Dear ImGui for wasm) -----
fetch_source() { # fetch_source <debian source package> <dir glob under CACHE/src>
  local pkg=$1 pattern=$2
  if compgen -G "$CACHE/src/$pattern" >/dev/null; then return 0; fi
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    say "adding deb-src entry for bookworm main"
    local src=/etc/apt/sources.list.d/earshot-src.sources
    # Same mirror and keyring as the binary entry.
    local uri; uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    uri=${uri:-http://deb.debian.org/debian}
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" | $SUDO tee "$src" >/dev/null
    $SUDO apt-get update -qq
  fi
  say "fetching $pkg sources into $CACHE/src"
  mkdir -p "$CACHE/src"
  (cd "$CACHE/src" && apt-get source -qq "$pkg" >/dev/null 2>&1) || {
    $SUDO apt-get update -qq; (cd "$CACHE/src" && apt-get source -qq "$pkg" >/dev/null); }
}
fetch_source mbedtls 'mbedtls-2.*/library/sha256.c'
fetch_source imgui 'imgui-1.*/imgui.cpp'
# Nayuki's QR Code generator (its C version: no exceptions) for the IVS page's invite QR code. The
# mirror lacks this package's debian.tar, so only the upstream tarball is fetched and unpacked.
if ! compgen -G "$CACHE/src/QR-Code-generator-1.*/c/qrcodegen.c" >/dev/null; then
  say "fetching qr-code-generator sources into $CACHE/src"
  (cd "$CACHE/src" && { apt-get source --download-only -qq qr-code-generator >/dev/null 2>&1 || true; } \
    && tar xzf qr-code-generator_*.orig.tar.gz)
fi
MBEDTLS_DIR=$(dirname "$(dirname "$(compgen -G "$CACHE/src/mbedtls-2.*/library/sha256.c" | head -1)")")
IMGUI_DIR=$(dirname "$(compgen -G "$CACHE/src/imgui-1.*/imgui.cpp" | head -1)")
QRCODEGEN_DIR=$(dirname "$(compgen -G "$CACHE/src/QR-Code-generator-1.*/c/qrcodegen.c" | head -1)")
cat > "$CACHE/paths.env" <<ENV
EARSHOT_MBEDTLS_DIR=$MBEDTLS_DIR
EARSHOT_IMGUI_DIR=$IMGUI_DIR
EARSHOT_QRCODEGEN_DIR=$QRCODEGEN_DIR
ENV
say "sources: mbedTLS $MBEDTLS_DIR, Dear ImGui $IMGUI_DIR, qrcodegen $QRCODEGEN_DIR"

# --- JS tooling from committed lockfiles ---------------------------------------------------------
npm_install() { # npm_install <dir>
  local dir=$1 stamp="$1/node_modules/.earshot-lock"
  [ -f "$dir/package-lock.json" ] || return 0
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then return 0; fi
  say "npm ci in ${dir#$ROOT/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$dir/package-lock.json" "$stamp"
}
npm_install "$ROOT/tools/js"
npm_install "$ROOT/backend"
npm_install "$ROOT/tests/packages"  # the React embed test and the Vite/esbuild consumer apps
# The local stand-ins of the AWS systems (standins/<name>/): their own lockfiles, and a setup.sh each
# where one needs more (e.g. a test certificate), run with the cache folder to keep it in.
for dir in "$ROOT"/standins/*/; do
  [ -d "$dir" ] || continue
  npm_install "${dir%/}"
  if [ -f "$dir/setup.sh" ]; then EARSHOT_CACHE="$CACHE" bash "$dir/setup.sh"; fi
done
say "ready"
