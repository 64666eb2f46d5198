#!/usr/bin/env bash
# One-time test TLS material for the KVS stand-in's HTTPS control plane and WSS signaling:
# a test CA and a server certificate for 127.0.0.1, 10.77.0.1 and localhost, kept outside git.
# Usage: EARSHOT_CACHE=<dir> bash standins/kvs/setup.sh [out-dir]   (default out-dir: $EARSHOT_CACHE/kvs-tls)
set -euo pipefail
CACHE=${EARSHOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/earshot}
OUT=${1:-$CACHE/kvs-tls}
if [ -s "$OUT/ca.pem" ] && [ -s "$OUT/server.pem" ] && [ -s "$OUT/server.key" ] &&
   openssl x509 -checkend 86400 -noout -in "$OUT/server.pem" >/dev/null 2>&1; then
  exit 0
fi
command -v openssl >/dev/null || { echo "[kvs setup] openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$OUT"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 3650 -subj "/CN=Earshot KVS stand-in test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$tmp/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/server.key"
openssl req -new -key "$tmp/server.key" -subj "/CN=kvs.standin.local" -out "$tmp/server.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:10.77.0.1,IP:10.77.0.2,DNS:localhost\n' > "$tmp/ext.cnf"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 825 -sha256 \
  -extfile "$tmp/ext.cnf" -out "$tmp/server.pem" 2>/dev/null
cp "$tmp/ca.pem" "$tmp/server.pem" "$tmp/server.key" "$OUT/"
chmod 600 "$OUT/server.key"
echo "[kvs setup] test CA and server certificate in $OUT"
