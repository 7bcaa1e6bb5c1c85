#!/usr/bin/env bash
# Runs the official MCP conformance suite (server scenarios, requirement sets
# 2026-07-28 and 2025-11-25) and an MCP Inspector CLI smoke check against a real
# chmcp backed by a local ClickHouse (bin/chlocal), then stops everything it started.
#
#   scripts/conformance.sh
#
# Exit status is non-zero when a required scenario fails outside conformance/baseline.yml,
# when a baselined check unexpectedly passes (stale entry; the suite itself enforces
# this), or when the Inspector smoke check fails.
# Results (per-scenario checks.json, suite output, server logs) stay in
# $CONFORMANCE_OUT (default tmp/conformance, git-ignored).
# Needs: go, gcc and npm (first run only: Node 22, the suite and the ClickHouse engine
# are cached under ~/.cache/chmcp), curl.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SETS=(2026-07-28 2025-11-25)
BASELINE=$ROOT/conformance/baseline.yml
OUT=${CONFORMANCE_OUT:-$ROOT/tmp/conformance}

log() { printf '[conformance %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/chmcp-conformance.XXXXXX")
chlocal_pid=""
chmcp_pid=""

# stop PID NAME GRACE: SIGTERM, wait up to GRACE seconds, then SIGKILL; reap it.
stop() {
	local pid=$1 name=$2 grace=$3 i
	[[ -n "$pid" ]] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < grace * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name (pid $pid) ignored SIGTERM for ${grace}s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	stop "$chmcp_pid" chmcp 15
	# chlocal stops ClickHouse on SIGTERM (and the kernel kills ClickHouse if chlocal dies).
	stop "$chlocal_pid" chlocal 30
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# chmcp reads CLICKHOUSE_*, MCP_*, LOG_* and CONFIG_FILE from the environment: run it
# with exactly the flags below, whatever the caller's shell has.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(CLICKHOUSE_|MCP_|LOG_|CONFIG_FILE$)' || true)

mkdir -p "$OUT"
for set in "${SETS[@]}"; do rm -rf "${OUT:?}/$set" "$OUT/$set.log"; done
rm -f "$OUT"/chmcp.log "$OUT"/chlocal.log "$OUT"/inspector-*

# --- build and tools -------------------------------------------------------------------------
log "building bin/chmcp and bin/chlocal"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
go build -ldflags "-X main.version=$version" -o bin/chmcp ./cmd/chmcp
go build -ldflags "-X main.version=$version" -o bin/chlocal ./cmd/chlocal

log "Node 22, conformance suite and Inspector (scripts/node.sh)"
# shellcheck source=node.sh
. "$ROOT/scripts/node.sh"
log "node $("$NODE_BIN" --version) at $NODE_BIN"

log "ClickHouse engine (bin/chlocal fetch)"
bin/chlocal fetch >&2

# --- ClickHouse --------------------------------------------------------------------------
envfile=$work/clickhouse.env
bin/chlocal serve --env-file "$envfile" >"$OUT/chlocal.log" 2>&1 &
chlocal_pid=$!
log "started chlocal (pid $chlocal_pid), waiting for ClickHouse"
for ((i = 0; i < 1200; i++)); do
	[[ -s "$envfile" ]] && break
	if ! kill -0 "$chlocal_pid" 2>/dev/null; then
		log "chlocal exited before ClickHouse was ready:"
		tail -n 40 "$OUT/chlocal.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [[ ! -s "$envfile" ]]; then
	log "ClickHouse not ready after 120s:"
	tail -n 40 "$OUT/chlocal.log" >&2
	exit 1
fi
envval() { sed -n "s/^$1=//p" "$envfile"; }
ch_host=$(envval CLICKHOUSE_HOST)
ch_port=$(envval CLICKHOUSE_PORT)
log "ClickHouse ready at $ch_host:$ch_port (native)"

# --- chmcp ---------------------------------------------------------------------------------
free_port() {
	"$NODE_BIN" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
url=""
for attempt in 1 2 3; do
	port=$(free_port)
	bin/chmcp serve --transport http --address 127.0.0.1 --port "$port" \
		--clickhouse-host "$ch_host" --clickhouse-port "$ch_port" --clickhouse-protocol tcp \
		--log-format text --log-level info >"$OUT/chmcp.log" 2>&1 &
	chmcp_pid=$!
	for ((i = 0; i < 300; i++)); do
		kill -0 "$chmcp_pid" 2>/dev/null || break
		# Only our process counts: another chmcp may listen on a port we raced for.
		if grep -q "serving MCP" "$OUT/chmcp.log" &&
			curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health"; then
			url=http://127.0.0.1:$port/
			break
		fi
		sleep 0.1
	done
	if [[ -n "$url" ]] && kill -0 "$chmcp_pid" 2>/dev/null; then
		break
	fi
	url=""
	stop "$chmcp_pid" chmcp 5
	chmcp_pid=""
	log "chmcp did not become healthy on port $port (attempt $attempt):"
	tail -n 20 "$OUT/chmcp.log" >&2
done
[[ -n "$url" ]] || exit 1
log "chmcp (pid $chmcp_pid) healthy at $url"

# --- conformance suite -------------------------------------------------------------------
failed=0
declare -A suite_rc
for set in "${SETS[@]}"; do
	log "conformance server --requirements $set"
	rc=0
	timeout 900 "$NODE_BIN" "$CONFORMANCE_JS" server --url "$url" --requirements "$set" \
		--expected-failures "$BASELINE" -o "$OUT/$set" >"$OUT/$set.log" 2>&1 || rc=$?
	suite_rc[$set]=$rc
	# The suite's own verdict on the baseline (expected / stale / unexpected).
	sed 's/\x1b\[[0-9;]*m//g' "$OUT/$set.log" |
		sed -n '/^\(Stale baseline\|Unexpected failures\|Baseline check passed\)/,/^$/p' |
		sed '/^$/d; s/^/  suite: /' >&2 || true
	if ((rc != 0)); then
		failed=1
		log "suite exited $rc for $set (output: $OUT/$set.log)"
		if ! grep -q "Baseline check\|Baseline is stale\|Unexpected failures" "$OUT/$set.log"; then
			tail -n 30 "$OUT/$set.log" >&2
		fi
	fi
done

# --- MCP Inspector CLI smoke check -------------------------------------------------------
# Its own HOME and catalog: nothing written to the caller's ~/.mcp-inspector.
mkdir -p "$work/inspector-home"
inspector() { # inspector NAME ARGS...: stdout (JSON) to $OUT/inspector-NAME.json
	local name=$1
	shift
	local rc=0
	HOME=$work/inspector-home MCP_CATALOG_PATH=$work/inspector-home/mcp.json \
		timeout 120 "$NODE_BIN" "$INSPECTOR_JS" --cli "$url" --transport http "$@" \
		>"$OUT/inspector-$name.json" 2>"$OUT/inspector-$name.err" || rc=$?
	why="the Inspector exited $rc"
	return "$rc"
}
# jsoncheck FILE EXPR: EXPR (JS, over the parsed JSON `r`) returns "" when fine, else why not.
jsoncheck() {
	"$NODE_BIN" -e '
		let r; try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); }
		catch (e) { console.log("output is not JSON: " + e.message); process.exit(1); }
		const why = (new Function("r", "return (" + process.argv[2] + ")"))(r);
		if (why) { console.log(why); process.exit(1); }' "$1" "$2"
}
inspector_ok=1
log "inspector --method tools/list"
if inspector tools-list --method tools/list &&
	why=$(jsoncheck "$OUT/inspector-tools-list.json" \
		'(r.tools||[]).some(t => t.name === "execute_query") ? "" : "execute_query missing; tools: " + (r.tools||[]).map(t => t.name).join(",")'); then
	log "inspector tools/list ok: $("$NODE_BIN" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).tools.map(t=>t.name).join(", "))' "$OUT/inspector-tools-list.json")"
else
	inspector_ok=0
	log "inspector tools/list FAILED: $why"
	tail -n 5 "$OUT/inspector-tools-list.err" >&2
fi
log "inspector --method tools/call --tool-name execute_query --tool-arg query='SELECT 1'"
if inspector tools-call --method tools/call --tool-name execute_query --tool-arg "query=SELECT 1" &&
	why=$(jsoncheck "$OUT/inspector-tools-call.json" \
		'r.isError ? "isError: " + JSON.stringify(r.content) : JSON.stringify(r.structuredContent?.rows) === "[[1]]" ? "" : "unexpected result: " + JSON.stringify(r).slice(0, 300)'); then
	log "inspector tools/call ok: rows [[1]]"
else
	inspector_ok=0
	log "inspector tools/call FAILED: $why"
	tail -n 5 "$OUT/inspector-tools-call.json" "$OUT/inspector-tools-call.err" >&2
fi
((inspector_ok)) || failed=1

# --- summary -----------------------------------------------------------------------------
cat >"$work/summary.js" <<'EOF'
// Per requirement set: required scenarios passed / baselined / failed, stale entries,
// and the not-scored ones (informational). Judged like the suite: WARNING counts as
// failing. Prints details, then the count lines.
const fs = require("fs"), path = require("path");
const [reqDir, baselineFile, outDir, inspectorOk, ...sets] = process.argv.slice(2);

// Tiny reader for the two YAML shapes involved: top-level keys holding lists of
// scalars ("  - name # comment") or of maps ("  - scenario: name").
function readLists(file) {
	const lists = {};
	let key = null;
	for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
		const line = raw.replace(/(^|\s)#.*$/, "").trimEnd();
		if (!line) continue;
		const top = line.match(/^([A-Za-z_]+):\s*$/);
		if (top) { key = top[1]; lists[key] = []; continue; }
		const item = line.match(/^\s*-\s*(?:scenario:\s*)?(\S+)\s*$/);
		if (key && item) lists[key].push(item[1]);
	}
	return lists;
}
const baseline = readLists(baselineFile).server || [];
const whole = new Set(baseline.filter((e) => !e.includes(":")));
const perCheck = new Map();
for (const e of baseline.filter((e) => e.includes(":"))) {
	const i = e.indexOf(":");
	if (!perCheck.has(e.slice(0, i))) perCheck.set(e.slice(0, i), new Set());
	perCheck.get(e.slice(0, i)).add(e.slice(i + 1));
}
const bad = (c) => c.status === "FAILURE" || c.status === "WARNING";
const rank = { FAILURE: 3, WARNING: 2, SUCCESS: 1 };

const counts = [];
const total = { passed: 0, failed: 0, skipped: 0 };
for (const set of sets) {
	const scored = readLists(path.join(reqDir, `${set}.yaml`)).server || [];
	const results = new Map();
	const dir = path.join(outDir, set);
	for (const d of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
		const f = path.join(dir, d, "checks.json");
		if (!fs.existsSync(f)) continue;
		const name = d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, "");
		try { results.set(name, JSON.parse(fs.readFileSync(f, "utf8"))); }
		catch (e) { results.set(name, [{ id: name, status: "FAILURE", errorMessage: `unreadable checks.json: ${e.message}` }]); }
	}
	const passed = [], baselined = [], failed = new Map(), stale = [];
	for (const s of scored) {
		const checks = results.get(s);
		if (!checks) { failed.set(s, ["no result: the scenario did not run"]); continue; }
		const failing = checks.filter(bad);
		const excused = perCheck.get(s) || new Set();
		// Repeated ids collapse to their most severe status, as in the suite.
		const worst = new Map();
		for (const c of checks) if ((rank[c.status] || 0) > (rank[worst.get(c.id)] || 0)) worst.set(c.id, c.status);
		for (const id of excused) if (worst.get(id) === "SUCCESS") stale.push(`${s}:${id}`);
		if (whole.has(s) && !failing.length) stale.push(s);
		if (!failing.length) { passed.push(s); continue; }
		const unexcused = whole.has(s) ? [] : failing.filter((c) => !excused.has(c.id));
		if (!unexcused.length) { baselined.push(s); continue; }
		failed.set(s, unexcused.map((c) => {
			let msg = (c.errorMessage || c.description || "").replace(/\s+/g, " ");
			if (msg.length > 400) msg = msg.slice(0, 400) + "...";
			return `[${c.status}] ${c.id}: ${msg}`;
		}));
	}
	// A stale entry fails the run (the suite exits 1): count its scenario as failed.
	for (const e of stale) {
		const s = e.split(":")[0];
		for (const list of [passed, baselined]) if (list.includes(s)) list.splice(list.indexOf(s), 1);
		failed.set(s, (failed.get(s) || []).concat(`stale baseline entry ${e}: passes now, remove it from the baseline`));
	}
	const notScored = [...results.keys()].filter((s) => !scored.includes(s)).sort();
	console.log(`\n== requirement set ${set}: ${scored.length} required server scenarios`);
	console.log(`  passed    (${passed.length}): ${passed.join(", ")}`);
	console.log(`  baselined (${baselined.length}): ${baselined.join(", ")}`);
	if (failed.size) {
		console.log(`  FAILED    (${failed.size}):`);
		for (const [s, why] of failed) for (const w of why) console.log(`    ${s}: ${w}`);
	}
	if (notScored.length) {
		const nsBad = new Set(notScored.filter((s) => results.get(s).some(bad)));
		console.log(`  not scored by ${set} (informational; ${notScored.length} run, ${nsBad.size} failing): ` +
			notScored.map((s) => `${s} ${nsBad.has(s) ? "✗" : "✓"}`).join(", "));
	}
	counts.push(`${set}: ${passed.length} passed, ${failed.size} failed, ${baselined.length} skipped`);
	total.passed += passed.length; total.failed += failed.size; total.skipped += baselined.length;
}
if (inspectorOk === "1") total.passed++; else total.failed++;
console.log(`\nskipped = required scenarios failing only on baselined checks (conformance/baseline.yml);`);
console.log(`the total adds the Inspector smoke check as one more test.`);
for (const line of counts) console.log(line);
console.log(`inspector: ${inspectorOk === "1" ? "1 passed, 0 failed" : "0 passed, 1 failed"}`);
console.log(`conformance: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
EOF
echo "results: $OUT"
for set in "${SETS[@]}"; do
	((suite_rc[$set] == 0)) || echo "the suite's baseline check failed for $set (exit ${suite_rc[$set]}; see $OUT/$set.log)"
done
reqdir=$(dirname "$(dirname "$CONFORMANCE_JS")")/requirements
"$NODE_BIN" "$work/summary.js" "$reqdir" "$BASELINE" "$OUT" "$inspector_ok" "${SETS[@]}" || failed=1
exit "$failed"
