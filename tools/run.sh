#!/usr/bin/env bash
# The main job: set up what is missing, build the pages, start the local backend (seed 004 API +
# invite links + coturn) and print the admin page URL. Ctrl-C stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tools/setup.sh
bash tools/build.sh wasm web
export EARSHOT_WEB_DIR=${EARSHOT_WEB_DIR:-$ROOT/dist/web}
export EARSHOT_START_TURN=${EARSHOT_START_TURN:-1}
exec node backend/src/server.js
