#!/usr/bin/env bash
# Runs the README's run command (`npm start`, embedded PostgreSQL, fresh .data/) in the background, waits for
# it to be ready, runs the curl line it printed exactly as printed, and checks that a token URL comes back. Then
# runs the smoke test (scripts/smoke.mjs) against that stack: admin API, key store, a Widevine license for the
# development device, a FairPlay CKC for Apple's vector SPC, a Clear Key key set, record retrieval (admin key from
# .data/).
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
export TOKEN_GEN_PORT="${SMOKE_TOKEN_GEN_PORT:-18180}" RIGHTS_PORT="${SMOKE_RIGHTS_PORT:-18181}" EMBEDDED_POSTGRES_PORT="${SMOKE_PG_PORT:-54339}"
unset DATABASE_URL
setsid npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 1 240); do
  grep -q '\[start\] ready' "$log" && break
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "smoke: npm start exited early"; exit 1; fi
  sleep 0.5
done
grep -q '\[start\] ready' "$log" || { cat "$log"; echo "smoke: npm start not ready in 120 s"; exit 1; }
curl_line=$(grep '^curl ' "$log" | tail -n 1)
[ -n "$curl_line" ] || { cat "$log"; echo "smoke: npm start printed no curl line"; exit 1; }
body=$(bash -c "$curl_line")
case "$body" in
  http://localhost:*/hms/wv/rights/\?ExpressPlayToken=*) echo "smoke: the printed curl line got a token URL" ;;
  *) cat "$log"; echo "smoke: unexpected answer: $body"; exit 1 ;;
esac
if ! npm run -s smoke -- "http://127.0.0.1:$TOKEN_GEN_PORT" "http://127.0.0.1:$RIGHTS_PORT"; then
  echo "smoke: the smoke test failed; the end of npm start's output:"; tail -n 40 "$log"; exit 1
fi
