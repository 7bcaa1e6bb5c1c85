#!/usr/bin/env bash
# make test-external: the integration tests against an "external" ClickHouse
# named by CHMCP_TEST_CLICKHOUSE (docs/testing.md). Here `chlocal serve
# --test-users` plays the external server; point CHMCP_TEST_CLICKHOUSE at a
# clickhouse-server yourself to run them against one.
#
# Packages run one at a time (-p 1): each package's tests take the server
# as theirs (tables, databases). EXTERNAL_SKIP names the tests that need a
# ClickHouse process of their own (frozen, killed, log read): against an
# external server they fail loudly, so they are skipped here by name.
# internal/chtest and internal/clustertest (the harness itself, two nodes)
# always need the engine and are not in EXTERNAL_PKGS.
set -euo pipefail
cd "$(dirname "$0")/.."

GO="${GO:-go}"
PKGS="${EXTERNAL_PKGS:-./internal/clickhouse ./internal/mcp ./internal/openapi ./internal/oauth/chstore ./internal/httpapi ./cmd/chmcp}"
SKIP="${EXTERNAL_SKIP:-^(TestStalledServerEndsAtTimeLimit|TestOutageIsUnavailable|TestSecretHandshakeV2)$}"

work="$(mktemp -d)"
ch_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$ch_pid" ] && kill "$ch_pid" 2>/dev/null && wait "$ch_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$GO" build -o "$work/chlocal" ./cmd/chlocal
"$work/chlocal" serve --test-users --env-file "$work/ch.env" >"$work/chlocal.log" 2>&1 &
ch_pid=$!
for _ in $(seq 1 600); do
  [ -s "$work/ch.env" ] && break
  if ! kill -0 "$ch_pid" 2>/dev/null; then cat "$work/chlocal.log" >&2; exit 1; fi
  sleep 0.2
done
[ -s "$work/ch.env" ] || { echo "test-external: ClickHouse did not start; log:" >&2; cat "$work/chlocal.log" >&2; exit 1; }
CHMCP_TEST_CLICKHOUSE="$(sed -n 's/^CHMCP_TEST_CLICKHOUSE=//p' "$work/ch.env")"
[ -n "$CHMCP_TEST_CLICKHOUSE" ] || { echo "test-external: no CHMCP_TEST_CLICKHOUSE in chlocal's env file" >&2; exit 1; }
export CHMCP_TEST_CLICKHOUSE

http_port="$(sed -n 's/^CLICKHOUSE_HTTP_PORT=//p' "$work/ch.env")"
queries() {
  curl -fsS "http://127.0.0.1:$http_port/" --data-binary "SYSTEM FLUSH LOGS" &&
    curl -fsS "http://127.0.0.1:$http_port/" --data-binary "SELECT count() FROM system.query_log WHERE type = 'QueryFinish'"
}
before="$(queries)"

echo "test-external: packages $PKGS against chlocal serve (pid $ch_pid), skipping $SKIP"
# shellcheck disable=SC2086 # PKGS is a list
"$GO" test -race -count=1 -p 1 -timeout 20m -skip "$SKIP" $PKGS

# Proof that the tests used this server, not engines of their own.
after="$(queries)"
echo "test-external: the external server ran $((after - before)) queries for the tests"
[ "$((after - before))" -gt 20 ] || { echo "test-external: too few: did the tests start their own ClickHouse?" >&2; exit 1; }
