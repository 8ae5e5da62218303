#!/bin/bash
# Time the desk's read paths (CLI and REST API) against a live store, e.g. the workers' load test's
# database while its workers write (docs/decisions/1002-production-indexes.md):
#   benchmarks/probe_read_paths.sh postgresql+psycopg://postgres@127.0.0.1:PORT/DB /path/to/home
# It adds a user `probe` and an API token to that store: run it on a throwaway one.
set -u
export EXECDESK_DATABASE_URL="$1" EXECDESK_HOME="$2" EXECDESK_LOG_LEVEL=WARNING
X="${EXECDESK_BIN:-$(dirname "$0")/../.venv/bin/execdesk}"
PORT="${PROBE_PORT:-8767}"
t() {
  local s e rc
  s=$(date +%s.%N); "$@" > /dev/null 2>&1; rc=$?; e=$(date +%s.%N)
  printf "%6.2f s rc=%s  %s\n" "$(echo "$e - $s" | bc)" "$rc" "${*#"$X" }"
}
t "$X" --version  # the CLI's start-up alone: subtract it from the rest
t "$X" stats --json
t "$X" cases --limit 50 --json
t "$X" search refund --limit 20 --json
t "$X" search '"credit report"' --limit 20 --json
t "$X" campaigns --json
t "$X" digest --since 24h --json
t "$X" digest --since 7d --json
printf 'probe-password-123\n' | "$X" user add probe --role supervisor --password-stdin > /dev/null 2>&1
TOKEN=$("$X" token create probe --json | python3 -c "import json, sys; print(json.load(sys.stdin)['token'])")
"$X" serve --port "$PORT" > /dev/null 2>&1 &
SERVER=$!
for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 1; done
for u in /api/v1/dashboard /api/v1/dashboard "/api/v1/cases?limit=50" "/api/v1/cases?limit=50&signal=legal_threat" \
  /api/v1/campaigns "/api/v1/cases?limit=50&offset=5000"; do
  curl -s -o /dev/null -w "%{time_total} s http=%{http_code}  GET $u\n" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$u"
done
kill "$SERVER"; wait "$SERVER" 2>/dev/null
