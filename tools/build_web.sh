#!/usr/bin/env bash
# Assembles dist/web/ (what the backend serves): shell/*.html rendered, web/* assets, the wasm module
# (earshot.wasm from build/wasm) and room.js bundled with its JS surface (src/wasm/client.js) and the
# module's glue (earshot.js).
#   tools/build_web.sh            build the wasm target if needed, then assemble
#   tools/build_web.sh <wasm build dir> <out dir>    (defaults: build/wasm dist/web)
#   EARSHOT_SKIP_WASM_BUILD=1     assemble from an existing build/wasm only
#   tools/build_web.sh --profile chime|ivs|kvs  the pages of another profile, into dist/web-<profile>/:
#                                 the full core (vendors/ or kvs/earshot.*), config.json naming the profile, the
#                                 adapter web/vendor/<profile>.js and the vendor's SDK bundled from npm
#                                 (tools/js) into vendor/<profile>-sdk.js, fetched only by that adapter.
#                                 (kvs has no SDK: vendor/kvs.js is its chat, the media is peer to peer.)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
PROFILE=${EARSHOT_PROFILE:-selfhosted}
if [ "${1:-}" = --profile ]; then PROFILE=${2:?--profile needs a name}; shift 2; fi
case $PROFILE in selfhosted|chime|ivs|kvs) ;; *) echo "build_web: unknown profile '$PROFILE' (selfhosted, chime, ivs, kvs)" >&2; exit 2 ;; esac
DEFAULT_OUT=$ROOT/dist/web; [ "$PROFILE" = selfhosted ] || DEFAULT_OUT=$ROOT/dist/web-$PROFILE
BUILD=$(abs "${1:-${EARSHOT_WASM_BUILD_DIR:-$ROOT/build/wasm}}")
OUT=$(abs "${2:-${EARSHOT_WEB_OUT:-$DEFAULT_OUT}}")
export NODE_PATH=/usr/share/nodejs

if [ "${EARSHOT_SKIP_WASM_BUILD:-0}" != 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    emcmake cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel \
      -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
  fi
  case $PROFILE in selfhosted) MODULE= ;; kvs) MODULE=earshot_kvs ;; *) MODULE=earshot_vendors ;; esac
  ninja -C "$BUILD" earshot earshot_diag $MODULE >/dev/null
fi
WASM_DIR="$BUILD/src/wasm"
case $PROFILE in selfhosted) ;; kvs) WASM_DIR="$BUILD/src/wasm/kvs" ;; *) WASM_DIR="$BUILD/src/wasm/vendors" ;; esac
DIAG_DIR="$BUILD/src/diag"
for f in "$WASM_DIR/earshot.js" "$WASM_DIR/earshot.wasm" "$DIAG_DIR/earshot_diag.js" "$DIAG_DIR/earshot_diag.wasm"; do
  [ -f "$f" ] || { echo "build_web: $f missing (build the wasm targets earshot and earshot_diag first)" >&2; exit 1; }
done

VERSION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo dev)-$(sha256sum "$WASM_DIR/earshot.wasm" | cut -c1-8)
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
# HTML: fill {{V}}, drop comments and indentation (no minifier dependency).
for page in "$ROOT"/shell/*.html; do
  node -e '
    const fs = require("fs");
    const [src, dst, v, profile] = process.argv.slice(1);
    let html = fs.readFileSync(src, "utf8").replace(/\{\{V\}\}/g, v);
    html = html.replace(/<!--[\s\S]*?-->\n?/g, "").replace(/^\s+/gm, "");
    // A vendor profile carries the voice through the vendor service: the pre-join says so.
    const through = { chime: "Amazon Chime", ivs: "Amazon IVS", kvs: "the person who started voice (peer to peer)" }[profile];
    if (through) html = html.replace("Your voice goes straight to the other person, and nothing is recorded.", `Your voice goes to the others through ${through}.`);
    fs.writeFileSync(dst, html);
  ' "$page" "$OUT.tmp/$(basename "$page")" "$VERSION" "$PROFILE"
done
find "$ROOT/web" -maxdepth 1 -type f -exec cp {} "$OUT.tmp/" \;
# ivs and kvs have no admin (a room is started from the room page by name), so their '/' is the room page
# rather than the selfhosted admin page, which could not work against their backends.
case $PROFILE in ivs|kvs)
  cp "$OUT.tmp/room.html" "$OUT.tmp/index.html"
  rm -f "$OUT.tmp/admin.js" "$OUT.tmp/admin.css" ;;
esac
cp "$ROOT/src/wasm/client.js" "$WASM_DIR/earshot.js" "$WASM_DIR/earshot.wasm" "$OUT.tmp/"
# A vendor profile's page: its config, its adapter and the vendor SDK (loaded by the adapter at Join time).
if [ "$PROFILE" != selfhosted ]; then
  node -e '
    const fs = require("fs"); const [file, profile] = process.argv.slice(1);
    const cfg = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, JSON.stringify({ ...cfg, profile }, null, 2) + "\n");
  ' "$OUT.tmp/config.json" "$PROFILE"
  mkdir -p "$OUT.tmp/vendor"
  cp "$ROOT/web/vendor/$PROFILE.js" "$OUT.tmp/vendor/"
  for f in "$ROOT/web/vendor/${PROFILE}_page".*; do [ -e "$f" ] && cp "$f" "$OUT.tmp/vendor/"; done  # its page additions
  cp "$ROOT/web/vendor/shared.js" "$OUT.tmp/vendor/"  # what the adapters share
  JSMOD="$ROOT/tools/js/node_modules"
  case $PROFILE in
    chime)  # as seed 000 builds it: an esbuild IIFE exposing window.ChimeSDK
      "$ROOT/tools/js/node_modules/.bin/esbuild" "$JSMOD/amazon-chime-sdk-js/build/index.js" --bundle --minify \
        --format=iife --global-name=ChimeSDK --platform=browser --main-fields=browser,module,main --conditions=browser \
        --define:global=window --define:process.env.NODE_ENV='"production"' --log-level=warning \
        --outfile="$OUT.tmp/vendor/chime-sdk.js" ;;
    ivs)    # the package's own browser bundle (UMD: window.IVSBroadcastClient)
      cp "$JSMOD/amazon-ivs-web-broadcast/dist/amazon-ivs-web-broadcast.js" "$OUT.tmp/vendor/ivs-sdk.js" ;;
  esac
fi
# The diagnostics overlay (its page and the Dear ImGui module): fetched only when someone opens it.
mkdir -p "$OUT.tmp/diag"
cp "$ROOT"/web/diag/* "$DIAG_DIR/earshot_diag.js" "$DIAG_DIR/earshot_diag.wasm" "$OUT.tmp/diag/"
# The page's own scripts and styles, minified (esbuild from tools/js; module imports kept as they are).
ESBUILD="$ROOT/tools/js/node_modules/.bin/esbuild"
[ -x "$ESBUILD" ] || { echo "build_web: $ESBUILD missing (tools/setup.sh installs it)" >&2; exit 1; }
# room.js is bundled with what it imports (client.js, and the wasm's glue earshot.js) into one module:
# one request instead of three, and ~0.4 KB brotli less than three files. The embed port and a
# profile's page adapter stay separate modules, loaded only when needed.
"$ESBUILD" "$OUT.tmp/room.js" --bundle --format=esm --minify --log-level=warning --allow-overwrite \
  --external:./embed_port.js '--external:./vendor/*' --outfile="$OUT.tmp/room.js"
rm "$OUT.tmp/client.js" "$OUT.tmp/earshot.js"
MINIFY=(copy.js embed_port.js earshot.css diag/overlay.js)
[ -e "$OUT.tmp/admin.js" ] && MINIFY+=(admin.js admin.css)
[ "$PROFILE" = selfhosted ] || MINIFY+=("vendor/$PROFILE.js" vendor/shared.js)
for f in "$OUT.tmp/vendor/${PROFILE}_page".js "$OUT.tmp/vendor/${PROFILE}_page".css; do [ -e "$f" ] && MINIFY+=("${f#$OUT.tmp/}"); done
for f in "${MINIFY[@]}"; do
  "$ESBUILD" "$OUT.tmp/$f" --minify --log-level=warning --allow-overwrite --outfile="$OUT.tmp/$f"
done
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"

# The room page's budget: every byte it needs before Join (all of it but admin files).
node -e '
  const fs = require("fs"), zlib = require("zlib"), path = require("path");
  const dir = process.argv[1];
  const files = ["room.html", "earshot.css", "room.js", "earshot.wasm", "config.json", "favicon.svg"];
  let raw = 0, br = 0;
  for (const f of files) {
    const b = fs.readFileSync(path.join(dir, f));
    raw += b.length;
    br += zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  console.log(`build_web: ${dir} (version ${process.argv[2]}): room.html needs ${files.length} files, ${raw} B raw, ${br} B brotli (budget 76800)`);
' "$OUT" "$VERSION"

# The diagnostics overlay, fetched only when opened: its own figures, never part of the page's budget.
node -e '
  const fs = require("fs"), zlib = require("zlib"), path = require("path");
  const dir = path.join(process.argv[1], "diag");
  let raw = 0, gz = 0, br = 0;
  for (const f of fs.readdirSync(dir)) {
    const b = fs.readFileSync(path.join(dir, f));
    raw += b.length;
    gz += zlib.gzipSync(b, { level: 9 }).length;
    br += zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  console.log(`build_web: the diagnostics overlay (diag/, on demand) is ${raw} B raw, ${gz} B gzip, ${br} B brotli`);
' "$OUT"
