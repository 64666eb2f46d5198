#!/usr/bin/env bash
# The main job: set up what is missing, build the pages, start the local backend and print the admin
# page URL. Ctrl-C stops everything.
#   tools/run.sh                     seed 004: the self-hosted backend (REST + Socket.IO + coturn)
#   tools/run.sh --profile chime     seed 000: the local stand-in of its API and of Amazon Chime
#                                    (standins/chime), serving the chime pages (dist/web-chime)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PROFILE=selfhosted
while [ $# -gt 0 ]; do
  case $1 in
    --profile) PROFILE=${2:?--profile needs a name}; shift 2 ;;
    --profile=*) PROFILE=${1#--profile=}; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $PROFILE in
  selfhosted|chime) ;;
  *) echo "run.sh: no local backend for profile '$PROFILE' yet (selfhosted, chime)" >&2; exit 2 ;;
esac
bash tools/setup.sh
bash tools/build.sh wasm web

if [ "$PROFILE" = selfhosted ]; then
  export EARSHOT_WEB_DIR=${EARSHOT_WEB_DIR:-$ROOT/dist/web}
  export EARSHOT_START_TURN=${EARSHOT_START_TURN:-1}
  exec node backend/src/server.js
fi

# chime: the pages on one origin (the CloudFront stand-in), the seed's API + Chime signaling on another.
HOST=${EARSHOT_HOST:-127.0.0.1}
PAGES_PORT=${EARSHOT_PORT:-8080}
API_PORT=${EARSHOT_API_PORT:-8090}
KEY=${EARSHOT_ADMIN_KEY:-$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')}
node -e '
  const fs = require("fs"); const [file, api] = process.argv.slice(1);
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), apiBase: api }, null, 2) + "\n");
' dist/web-chime/config.json "http://$HOST:$API_PORT"
echo "Earshot admin page (chime profile): http://$HOST:$PAGES_PORT/index.html"
echo "Admin key: $KEY  (set EARSHOT_ADMIN_KEY to choose it; this one lasts until Ctrl-C)"
exec node standins/chime/server.js --host "$HOST" --port "$API_PORT" --pages-dir "$ROOT/dist/web-chime" \
  --pages-port "$PAGES_PORT" --admin-key "$KEY"
