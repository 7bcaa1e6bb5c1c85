#!/usr/bin/env bash
# make demo: a local ClickHouse with a small demo dataset, and chmcp serving
# it over MCP at http://127.0.0.1:8080/. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${DEMO_PORT:-8080}"
work="$(mktemp -d)"
ch_pid="" mcp_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$mcp_pid" ] && kill "$mcp_pid" 2>/dev/null && wait "$mcp_pid" 2>/dev/null || true
  [ -n "$ch_pid" ] && kill "$ch_pid" 2>/dev/null && wait "$ch_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "demo: port $PORT is already in use; set DEMO_PORT to another port" >&2
  exit 1
fi

echo "==> building chmcp and chlocal"
MAKEFLAGS= make --no-print-directory build >/dev/null
echo "==> starting ClickHouse (the first run downloads the engine, ~180 MB)"
bin/chlocal serve --demo --env-file "$work/ch.env" >"$work/chlocal.log" 2>&1 &
ch_pid=$!
for _ in $(seq 1 600); do
  [ -s "$work/ch.env" ] && break
  if ! kill -0 "$ch_pid" 2>/dev/null; then cat "$work/chlocal.log" >&2; exit 1; fi
  sleep 0.5
done
[ -s "$work/ch.env" ] || { echo "demo: ClickHouse did not start; log:" >&2; cat "$work/chlocal.log" >&2; exit 1; }
set -a; . "$work/ch.env"; set +a
# The secrets now live only in this shell's environment: no file the engine
# (same OS user) could be asked to read holds them, and chmcp does not get the
# admin password at all. chmcp also refuses file() and friends by default.
rm -f "$work/ch.env"
unset CHLOCAL_ADMIN_PASSWORD

echo "==> starting chmcp on http://127.0.0.1:$PORT/"
bin/chmcp --transport http --address 127.0.0.1 --port "$PORT" --clickhouse-database demo &
mcp_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$mcp_pid" 2>/dev/null || { echo "demo: chmcp exited" >&2; exit 1; }
  sleep 0.1
done

cat <<MSG

chmcp is serving ClickHouse $(curl -fsS "http://127.0.0.1:$PORT/health" | sed -E 's/.*"version":"([^"]+)".*/\1/') over MCP.
  MCP endpoint (streamable HTTP): http://127.0.0.1:$PORT/
  legacy SSE:                     http://127.0.0.1:$PORT/sse
  health:                         http://127.0.0.1:$PORT/health
  demo data:                      database "demo" (trips, stations, events)

Try it with the MCP Inspector (Node >= 22; scripts/node.sh installs one):
  npx @modelcontextprotocol/inspector --cli http://127.0.0.1:$PORT/ --transport http --method tools/list
  npx @modelcontextprotocol/inspector --cli http://127.0.0.1:$PORT/ --transport http \\
      --method tools/call --tool-name execute_query --tool-arg query='SELECT count() FROM demo.trips'

Claude Desktop (claude_desktop_config.json), running chmcp over stdio:
  {
    "mcpServers": {
      "clickhouse-demo": {
        "command": "$PWD/bin/chmcp",
        "args": ["--transport", "stdio"],
        "env": { "CLICKHOUSE_HOST": "$CLICKHOUSE_HOST", "CLICKHOUSE_PORT": "$CLICKHOUSE_PORT", "CLICKHOUSE_DATABASE": "demo" }
      }
    }
  }

Press Ctrl-C to stop chmcp and ClickHouse.
MSG
wait "$mcp_pid"
