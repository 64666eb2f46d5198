#!/usr/bin/env bash
# The main job: set up what is missing, build the pages, start the local backend and print the admin
# page URL. Ctrl-C stops everything.
#   tools/run.sh                     seed 004: the self-hosted backend (REST + Socket.IO + coturn)
#   tools/run.sh --profile chime     seed 000: the local stand-in of its API and of Amazon Chime
#                                    (standins/chime), serving the chime pages (dist/web-chime)
#   tools/run.sh --profile ivs       seed 002: the local stand-in of its room API and of IVS Stages
#                                    (standins/ivs), serving the ivs pages (dist/web-ivs)
#   tools/run.sh --profile kvs       seeds 003 + 001: the local stand-in of the chat API, STS and Kinesis
#                                    Video signaling (standins/kvs), serving the kvs pages (dist/web-kvs)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PROFILE=selfhosted
while [ $# -gt 0 ]; do
  case $1 in
    --profile) PROFILE=${2:?--profile needs a name}; shift 2 ;;
    --profile=*) PROFILE=${1#--profile=}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $PROFILE in
  selfhosted|chime|ivs|kvs) ;;
  *) echo "run.sh: no local backend for profile '$PROFILE' (selfhosted, chime, ivs, kvs)" >&2; exit 2 ;;
esac
bash tools/setup.sh
bash tools/build.sh wasm web

if [ "$PROFILE" = selfhosted ]; then
  export EARSHOT_WEB_DIR=${EARSHOT_WEB_DIR:-$ROOT/dist/web}
  export EARSHOT_START_TURN=${EARSHOT_START_TURN:-1}
  exec node backend/src/server.js
fi

HOST=${EARSHOT_HOST:-127.0.0.1}
PAGES_PORT=${EARSHOT_PORT:-8080}
API_PORT=${EARSHOT_API_PORT:-8090}
set_api() { # set_api <dist dir>: the pages' config.json names the stand-in's API origin
  node -e '
    const fs = require("fs"); const [file, api] = process.argv.slice(1);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), apiBase: api }, null, 2) + "\n");
  ' "$1/config.json" "http://$HOST:$API_PORT"
}

if [ "$PROFILE" = kvs ]; then
  # Chat rooms, messages and voice rooms persist in backend/data/kvs.sqlite (git-ignored). The signaling
  # endpoint is wss:// with the test CA's certificate (made by setup.sh): a browser on this machine must
  # trust $EARSHOT_CACHE/kvs-tls/ca.pem, or be started with --ignore-certificate-errors, to join voice.
  mkdir -p backend/data
  echo "Earshot group chat with voice (kvs profile): http://$HOST:$PAGES_PORT/room.html  (enter a name to start a room)"
  echo "Its signaling certificate comes from the test CA: trust ${EARSHOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/earshot}/kvs-tls/ca.pem in the browser first."
  # TURN as the seed's GetIceServerConfig gives it: the local coturn (backend/scripts/turn.sh, the
  # selfhosted backend's own, with its secret), stopped again on exit when this script started it.
  TURN_SECRET=$(node -e 'process.stdout.write(require("./backend/src/config").loadConfig(process.env).turnSecret)')
  TURN_PORT=$(node -e 'process.stdout.write(String(require("./backend/src/config").loadConfig(process.env).turn.port))')
  if ! node backend/scripts/turn.js status >/dev/null 2>&1; then
    node backend/scripts/turn.js start
    trap 'node backend/scripts/turn.js stop >/dev/null 2>&1 || true' EXIT
  fi
  node standins/kvs/server.js --host "$HOST" --chat-port "$API_PORT" --kvs-port "${EARSHOT_KVS_PORT:-8443}" \
    --pages-dir "$ROOT/dist/web-kvs" --pages-port "$PAGES_PORT" --db "$ROOT/backend/data/kvs.sqlite" \
    --turn-url "turn:127.0.0.1:$TURN_PORT" --turn-secret "$TURN_SECRET"
  exit $?
fi

if [ "$PROFILE" = ivs ]; then
  # The token key pair lives with the other local data (git-ignored); rotate it with
  # `node standins/ivs/server.js rotate-key --key-dir backend/data/ivs-keys`.
  set_api dist/web-ivs
  echo "Earshot audio rooms (ivs profile): http://$HOST:$PAGES_PORT/room.html  (enter a name to start a room)"
  exec node standins/ivs/server.js --host "$HOST" --port "$API_PORT" --pages-dir "$ROOT/dist/web-ivs" \
    --pages-port "$PAGES_PORT" --key-dir "$ROOT/backend/data/ivs-keys" --room-lifetime-s 21600
fi

# chime: the pages on one origin (the CloudFront stand-in), the seed's API + Chime signaling on another.
KEY=${EARSHOT_ADMIN_KEY:-$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')}
set_api dist/web-chime
echo "Earshot admin page (chime profile): http://$HOST:$PAGES_PORT/index.html"
echo "Admin key: $KEY  (set EARSHOT_ADMIN_KEY to choose it; this one lasts until Ctrl-C)"
exec node standins/chime/server.js --host "$HOST" --port "$API_PORT" --pages-dir "$ROOT/dist/web-chime" \
  --pages-port "$PAGES_PORT" --admin-key "$KEY"
