#!/usr/bin/env bash
# Packs the WASM bundle as an npm package in dist/sdk/ (@earshot/client): client.js (ES module),
# earshot.js + earshot.wasm, the hand-written earshot.d.ts, package.json with an `exports` map.
#   tools/build_sdk.sh [wasm build dir] [out dir]      (defaults: build/wasm dist/sdk)
#   Then: (cd dist/sdk && npm pack) for a tarball.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BUILD=$(abs "${1:-$ROOT/build/wasm}")
OUT=$(abs "${2:-$ROOT/dist/sdk}")
WASM_DIR="$BUILD/src/wasm"
for f in earshot.js earshot.wasm; do
  [ -f "$WASM_DIR/$f" ] || { echo "build_sdk: $WASM_DIR/$f missing (tools/build.sh wasm)" >&2; exit 1; }
done
VERSION=$(node -p "require('$ROOT/tools/js/package.json').version")
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$ROOT/src/wasm/client.js" "$ROOT/src/wasm/earshot.d.ts" "$ROOT/src/wasm/failures.d.ts" "$WASM_DIR/earshot.js" "$WASM_DIR/earshot.wasm" "$OUT/"
cat > "$OUT/package.json" <<JSON
{
  "name": "@earshot/client",
  "version": "$VERSION",
  "description": "Earshot browser audio-call client: a C++ sans-IO call core and its browser driver, compiled to WebAssembly",
  "license": "MIT",
  "type": "module",
  "main": "./client.js",
  "module": "./client.js",
  "types": "./earshot.d.ts",
  "exports": {
    ".": { "types": "./earshot.d.ts", "import": "./client.js", "default": "./client.js" },
    "./earshot.wasm": "./earshot.wasm",
    "./package.json": "./package.json"
  },
  "files": ["client.js", "earshot.js", "earshot.wasm", "earshot.d.ts", "failures.d.ts", "README.md"],
  "sideEffects": false
}
JSON
cat > "$OUT/README.md" <<'MD'
# @earshot/client

```js
import { startCall } from '@earshot/client';
const call = await startCall({
  config: { profile: 'selfhosted', apiBase: 'https://calls.example.com', iceTransportPolicy: 'all' },
  url: inviteLink,                       // room.html?room=<id>&t=<invite>
  audio: document.querySelector('audio'),
  onUpdate: (snapshot) => render(snapshot),
  onEffect: (effect) => { if (effect.type === 'driver:autoplay-blocked') showEnableSound(); },
});
joinButton.onclick = () => call.join();
```
`earshot.wasm` must be served next to `earshot.js` (or pass `locateFile`), with `Content-Type: application/wasm`.
The page's CSP needs `script-src 'self' 'wasm-unsafe-eval'`. Types: `earshot.d.ts`.
MD
(cd "$OUT" && npm pack --dry-run --json 2>/dev/null | node -e '
  const [p] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(`build_sdk: ${process.argv[1]}: ${p.name}@${p.version}, ${p.entryCount} files, ${p.size} B packed`);
' "$OUT")
