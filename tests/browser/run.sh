#!/usr/bin/env bash
# Browser tests: builds dist/web if missing, then runs every tests/browser/*.test.mjs. Each test file
# moves itself into a private network namespace (`ip netns`, needs root) with a veth pair, because
# Chromium gathers no ICE candidates on loopback alone. faults.test.mjs also gives each person's browser
# a namespace of its own behind that one, to cut one network alone. Screenshots go to tests/browser/artifacts/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
[ -f dist/web/room.html ] || bash tools/build_web.sh
[ -d tools/js/node_modules/playwright-core ] || (cd tools/js && npm ci --no-audit --no-fund --loglevel=error)
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -E"
exec $SUDO node --test --test-concurrency=1 tests/browser/
