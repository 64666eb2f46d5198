#!/bin/sh
# Start/stop the loopback-only coturn used by Earshot: backend/scripts/turn.sh start|stop|status|config
# Same env vars as the server (see backend/README.md). Stops by pid from $EARSHOT_DATA_DIR/turn/turnserver.pid.
set -eu
exec node "$(dirname "$0")/turn.js" "$@"
