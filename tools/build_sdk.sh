#!/usr/bin/env bash
# Packs the WASM bundle as an npm package in dist/sdk/ (@earshot/client), three entry points:
#   @earshot/client        client.js (startCall) + earshot.js/earshot.wasm, types earshot.d.ts (+ failures.d.ts)
#   @earshot/client/embed  embed.js (the room page in an iframe, over a MessageChannel), types embed.d.ts
#   @earshot/client/react  react.js (useEarshotCall, <EarshotCall>), types react.d.ts; react is a peer dependency
#   tools/build_sdk.sh [wasm build dir] [out dir]      (defaults: build/wasm dist/sdk)
#   Then: (cd dist/sdk && npm pack) for a tarball; tests/packages checks it (publint, size, consumer apps).
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
for f in client.js earshot.d.ts failures.d.ts embed.js embed.d.ts react.js react.d.ts; do cp "$ROOT/src/wasm/$f" "$OUT/"; done
cp "$WASM_DIR/earshot.js" "$WASM_DIR/earshot.wasm" "$OUT/"
# Vendor adapters (./vendor/<name>.js, other profiles only) are not in the package; client.js imports them
# through a specifier computed at run time, which every bundler leaves alone.
cat > "$OUT/package.json" <<JSON
{
  "name": "@earshot/client",
  "version": "$VERSION",
  "description": "Earshot browser audio calls: a C++ sans-IO call core compiled to WebAssembly, its browser driver, an iframe embed helper and React bindings",
  "license": "MIT",
  "type": "module",
  "main": "./client.js",
  "module": "./client.js",
  "types": "./earshot.d.ts",
  "exports": {
    ".": { "types": "./earshot.d.ts", "default": "./client.js" },
    "./embed": { "types": "./embed.d.ts", "default": "./embed.js" },
    "./react": { "types": "./react.d.ts", "default": "./react.js" },
    "./earshot.wasm": "./earshot.wasm",
    "./package.json": "./package.json"
  },
  "files": ["client.js", "earshot.js", "earshot.wasm", "earshot.d.ts", "failures.d.ts", "embed.js", "embed.d.ts", "react.js", "react.d.ts", "README.md"],
  "peerDependencies": { "react": ">=18" },
  "peerDependenciesMeta": { "react": { "optional": true } },
  "sideEffects": false
}
JSON
cat > "$OUT/README.md" <<'MD'
# @earshot/client

Browser audio calls against an Earshot backend (seed 004: REST + Socket.IO signaling + TURN). The call
logic is a C++ core compiled to WebAssembly; this package is its browser driver plus two helpers.

## An app's own room (app-token entry)

Your server creates the room and a room token with its app credentials (never in the browser):

```js
// server side
const auth = { 'Content-Type': 'application/json', 'X-App-Id': APP_ID, 'X-App-Key': APP_SECRET };
const { roomId } = await (await fetch(`${EARSHOT}/api/v1/rooms`, { method: 'POST', headers: auth, body: '{}' })).json();
const join = await (await fetch(`${EARSHOT}/api/v1/rooms/${roomId}/join`, {
  method: 'POST', headers: auth, body: JSON.stringify({ userId: 'ada', name: 'Ada', role: 'agent' }),
})).json();   // { token, signalingUrl, iceServers, ttl, … }: hand these to the browser
```

### In your page (`@earshot/client`)

```js
import { startCall } from '@earshot/client';
const call = await startCall({
  config: { apiBase: 'https://calls.example.com' },
  entry: { room: roomId, token: join.token, signalingUrl: join.signalingUrl, iceServers: join.iceServers,
           ttl: join.ttl, userId: 'ada', userName: 'Ada' },
});
call.subscribe(() => render(call.getSnapshot()));   // state, participants, muted, failure, …
call.on('failure', (f) => console.warn(f.code, f.message));
joinButton.onclick = () => call.join();             // from a click: it also unlocks audio playback
muteButton.onclick = () => call.setMuted(!call.getSnapshot().muted);
leaveButton.onclick = () => call.leave();
// when done with it: call.destroy()
```
Without `entry`, `startCall` reads an invite link (`url`, default `location.href`: `room.html?room=…&t=…`).
`earshot.wasm` must be served next to `earshot.js` (or pass `locateFile`), as `application/wasm`; the
page's CSP needs `script-src 'self' 'wasm-unsafe-eval'`, and the backend must allow your origin
(`EARSHOT_CORS_ORIGINS`).

### React (`@earshot/client/react`)

```js
import { EarshotCall, useEarshotCall } from '@earshot/client/react';
<EarshotCall backendUrl="https://calls.example.com" roomId={roomId} token={join.token}
  signalingUrl={join.signalingUrl} iceServers={join.iceServers} userId="ada" userName="Ada"
  onJoined={(snapshot) => {}} onLeft={({ reason }) => {}} onError={(failure) => {}} />
// or your own UI: const { call, snapshot, error } = useEarshotCall({ backendUrl, roomId, token, … });
```
One call per mount (StrictMode's double mount is fine); unmounting leaves and destroys it.

### The hosted room page in an iframe (`@earshot/client/embed`)

```js
import { mount } from '@earshot/client/embed';
const call = mount(document.getElementById('call'),
  { roomId, token: join.token, signalingUrl: join.signalingUrl, iceServers: join.iceServers, backendUrl: 'https://calls.example.com' },
  { origin: 'https://calls.example.com', onEvent: (e) => console.log(e.type, e) });
await call.mute();  await call.unmute();  await call.setOutput(deviceId);  await call.leave();
call.on('state', (e) => e.state === 'ended' && call.unmount());
```
Or `{ roomUrl: inviteLink }` instead of the token. The iframe gets `allow="microphone; autoplay"`; the token
goes to the page's exact origin over a `MessageChannel` handshake, never in a URL. The backend must list
your origin in `EARSHOT_FRAME_ANCESTORS`, and its `config.json` in `"embedOrigins": ["https://your.app"]`.
Events: `ready`, `state`, `participants`, `failure`, `announce`, `muted`.

Types: `earshot.d.ts`, `embed.d.ts`, `react.d.ts` (each entry's `types` in `exports`).
MD
(cd "$OUT" && npm pack --dry-run --json 2>/dev/null | node -e '
  const [p] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(`build_sdk: ${process.argv[1]}: ${p.name}@${p.version}, ${p.entryCount} files, ${p.size} B packed`);
' "$OUT")
