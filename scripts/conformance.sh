#!/usr/bin/env bash
# Runs the official MCP conformance suite (server scenarios, requirement sets
# 2026-07-28 and 2025-11-25) and an MCP Inspector CLI smoke check against a real
# chmcp backed by a local ClickHouse (bin/chlocal); then the suite's authorization-server
# scenarios (`conformance authorization`: metadata, authorization code grant) against a
# second chmcp with OAuth enabled, which logs people in at a mock OpenID Connect provider
# (internal/devtools/mockidp) while internal/devtools/browse plays the person's browser
# (consent page, provider, callback). Also a JavaScript precision check: the official
# TypeScript SDK reads UInt64 values from execute_query and must get every digit
# (scripts/js-precision.mjs). Stops everything it started.
#
#   scripts/conformance.sh
#
# Exit status is non-zero when a required scenario fails outside conformance/baseline.yml,
# when a baselined check unexpectedly passes (stale entry; the suite itself enforces
# this for the server sets, this script for the authorization scenarios, which the suite
# runs without a baseline), or when the Inspector smoke check or the JavaScript precision
# check fails.
# Results (per-scenario checks.json, suite output, server logs) stay in
# $CONFORMANCE_OUT (default tmp/conformance, git-ignored).
# Needs: go, make, gcc and npm (first run only: Node 22, the suite and the ClickHouse
# engine are cached under ~/.cache/chmcp), curl.
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
mockidp_pid=""
oauth_pid=""  # the chmcp with OAuth enabled
authz_pid=""  # conformance authorization (it serves the OAuth callback while it waits)
browse_pid=""

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
	stop "$browse_pid" browse 2
	stop "$authz_pid" "conformance authorization" 5
	stop "$oauth_pid" "chmcp (OAuth)" 15
	stop "$chmcp_pid" chmcp 15
	stop "$mockidp_pid" mockidp 5
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
rm -rf "$OUT"/chmcp.log "$OUT"/chlocal.log "$OUT"/inspector-* "$OUT"/authorization "$OUT"/authorization.log \
	"$OUT"/chmcp-oauth.log "$OUT"/mockidp.log "$OUT"/browse.log

# --- build and tools -------------------------------------------------------------------------
log "building bin/chmcp and bin/chlocal (make build)"
# The Makefile's recipe (version stamp included); under `make test` it finds them up to
# date. No MAKEFLAGS: a parent make's jobserver is not ours to use.
MAKEFLAGS= make --no-print-directory build >&2
# Test-only tools, built into the temporary directory.
go build -o "$work/bin/mockidp" ./internal/devtools/mockidp
go build -o "$work/bin/browse" ./internal/devtools/browse

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
envval() { sed -n "s/^$2=//p" "$1"; } # envval FILE KEY
ch_host=$(envval "$envfile" CLICKHOUSE_HOST)
ch_port=$(envval "$envfile" CLICKHOUSE_PORT)
log "ClickHouse ready at $ch_host:$ch_port (native)"

# --- chmcp ---------------------------------------------------------------------------------
free_port() {
	"$NODE_BIN" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# start_chmcp PIDVAR LOG PORT [ARGS...]: start chmcp on 127.0.0.1:PORT against the local
# ClickHouse, its pid in the variable PIDVAR (cleanup stops it); succeeds once it is healthy,
# else stops it, empties PIDVAR and fails.
start_chmcp() {
	local -n _pid=$1
	local logfile=$2 port=$3 i
	shift 3
	bin/chmcp serve --transport http --address 127.0.0.1 --port "$port" \
		--clickhouse-host "$ch_host" --clickhouse-port "$ch_port" --clickhouse-protocol tcp \
		--log-format text --log-level info "$@" >"$logfile" 2>&1 &
	_pid=$!
	for ((i = 0; i < 300; i++)); do
		kill -0 "$_pid" 2>/dev/null || break
		# Only our process counts: another chmcp may listen on a port we raced for.
		if grep -q "serving MCP" "$logfile" &&
			curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health" &&
			kill -0 "$_pid" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	stop "$_pid" chmcp 5
	_pid=""
	return 1
}
url=""
for attempt in 1 2 3; do
	port=$(free_port)
	if start_chmcp chmcp_pid "$OUT/chmcp.log" "$port"; then
		url=http://127.0.0.1:$port/
		break
	fi
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
# Strings and floats in the result: the Inspector validates structuredContent
# against the tool's outputSchema, so a wrong schema fails here.
log "inspector --method tools/call --tool-name execute_query --tool-arg query='SELECT 1, 'a', 2.5'"
if inspector tools-call --method tools/call --tool-name execute_query --tool-arg "query=SELECT 1, 'a', 2.5" &&
	why=$(jsoncheck "$OUT/inspector-tools-call.json" \
		'r.isError ? "isError: " + JSON.stringify(r.content) : JSON.stringify(r.structuredContent?.rows) === "[[1,\"a\",2.5]]" ? "" : "unexpected result: " + JSON.stringify(r).slice(0, 300)'); then
	log "inspector tools/call ok: rows [[1,\"a\",2.5]]"
else
	inspector_ok=0
	log "inspector tools/call FAILED: $why"
	tail -n 5 "$OUT/inspector-tools-call.json" "$OUT/inspector-tools-call.err" >&2
fi
((inspector_ok)) || failed=1

# --- JavaScript precision check ------------------------------------------------------------
# A real JS client (the TypeScript SDK) parses the result with JSON.parse: a UInt64 written
# as a JSON number would come back rounded (18446744073709551615 -> 18446744073709552000).
log "js-precision: the TypeScript SDK reads toUInt64(18446744073709551615) and cityHash64('x')"
js_ok=1
if js_out=$(timeout 60 "$NODE_BIN" scripts/js-precision.mjs "$url" "$NODE_MODULES" 2>&1); then
	log "js-precision $js_out"
else
	js_ok=0
	log "js-precision FAILED: $js_out"
fi
((js_ok)) || failed=1

# --- authorization server: conformance authorization against an OAuth chmcp --------------
# mockidp is the upstream OpenID Connect provider (every login is alice@example.com, email
# verified); a second chmcp, OAuth enabled, brokers it. A public client is registered
# through DCR with the suite's callback as redirect URI. The suite checks the metadata,
# then prints an authorization URL and waits for a browser to land on its callback:
# browse follows that URL (consent page, approve, mockidp, chmcp's callback) and delivers
# the code; the suite then redeems it at the token endpoint.
# authz_error names a setup step that failed (the summary reports the scenarios as failed).
authz_error=""
authz_rc=""
run_authorization() {
	local idp_env=$work/mockidp.env i attempt port issuer="" cbport status client_id authurl=""
	"$work/bin/mockidp" -env-file "$idp_env" >"$OUT/mockidp.log" 2>&1 &
	mockidp_pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s "$idp_env" ]] && break
		kill -0 "$mockidp_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ ! -s "$idp_env" ]]; then
		authz_error="mockidp did not start (see $OUT/mockidp.log)"
		tail -n 20 "$OUT/mockidp.log" >&2
		return 1
	fi
	(
		umask 077
		envval "$idp_env" MOCKIDP_CLIENT_SECRET >"$work/idp-client-secret"
		"$NODE_BIN" -e 'process.stdout.write(require("crypto").randomBytes(48).toString("base64"))' >"$work/signing-key"
	)
	log "mockidp (pid $mockidp_pid) at $(envval "$idp_env" MOCKIDP_ISSUER)"

	for attempt in 1 2 3; do
		port=$(free_port)
		if start_chmcp oauth_pid "$OUT/chmcp-oauth.log" "$port" \
			--oauth-enabled --oauth-issuer "http://127.0.0.1:$port" \
			--oauth-upstream-issuer "$(envval "$idp_env" MOCKIDP_ISSUER)" \
			--oauth-upstream-client-id "$(envval "$idp_env" MOCKIDP_CLIENT_ID)" \
			--oauth-upstream-client-secret-file "$work/idp-client-secret" \
			--oauth-signing-key-file "$work/signing-key"; then
			issuer=http://127.0.0.1:$port
			break
		fi
		log "chmcp (OAuth) did not become healthy on port $port (attempt $attempt):"
		tail -n 20 "$OUT/chmcp-oauth.log" >&2
	done
	if [[ -z "$issuer" ]]; then
		authz_error="chmcp with OAuth enabled did not start (see $OUT/chmcp-oauth.log)"
		return 1
	fi
	log "chmcp with OAuth (pid $oauth_pid) healthy, issuer $issuer"

	cbport=$(free_port)
	status=$(curl -sS -o "$work/register.json" -w '%{http_code}' --max-time 10 -X POST "$issuer/oauth/register" \
		-H 'Content-Type: application/json' \
		-d '{"client_name": "MCP conformance (authorization)", "redirect_uris": ["http://127.0.0.1:'"$cbport"'/callback"], "token_endpoint_auth_method": "none"}') || status="curl failed"
	client_id=$("$NODE_BIN" -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).client_id || "") } catch {}' "$work/register.json" 2>/dev/null || true)
	if [[ "$status" != 201 || -z "$client_id" ]]; then
		authz_error="client registration at $issuer/oauth/register failed: HTTP $status: $(head -c 300 "$work/register.json" 2>/dev/null)"
		return 1
	fi
	log "registered a public client (redirect_uri http://127.0.0.1:$cbport/callback)"

	log "conformance authorization --url $issuer --resource $issuer/ -p $cbport"
	timeout 420 "$NODE_BIN" "$CONFORMANCE_JS" authorization --url "$issuer" --client-id "$client_id" \
		--resource "$issuer/" -p "$cbport" -o "$OUT/authorization" >"$OUT/authorization.log" 2>&1 &
	authz_pid=$!
	# The URL is the line after "Access the following URL ..."; "Waiting up to ..." follows
	# once it is printed in full. The metadata scenario runs first: allow it 60s.
	for ((i = 0; i < 600; i++)); do
		if grep -q "^Waiting up to" "$OUT/authorization.log"; then
			authurl=$(sed -n '/^Access the following URL/{n;p;q}' "$OUT/authorization.log")
			break
		fi
		kill -0 "$authz_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -n "$authurl" ]]; then
		log "browse: logging in through the authorization URL"
		# In the background: a signal to this script is handled at once, not after browse.
		timeout 90 "$work/bin/browse" -timeout 60s "$authurl" 2>"$OUT/browse.log" &
		browse_pid=$!
		if ! wait "$browse_pid"; then
			authz_error="browse (the test browser) could not complete the login: $(tail -n 1 "$OUT/browse.log" | sed 's/^browse: \(FAILED: \)\{0,1\}//')"
		fi
		browse_pid=""
		sed 's/^/  /' "$OUT/browse.log" >&2
		if [[ -n "$authz_error" ]]; then
			# chmcp's account of the OAuth steps.
			grep 'msg=oauth' "$OUT/chmcp-oauth.log" | tail -n 6 | sed 's/^/  chmcp: /' >&2 || true
			if ! grep -q "the client's redirect_uri" "$OUT/browse.log"; then
				# Nothing reached the suite's callback: do not let it wait 5 minutes.
				log "stopping the suite, which would wait for a callback that will not come"
				kill -TERM "$authz_pid" 2>/dev/null || true
			fi
		fi
	elif kill -0 "$authz_pid" 2>/dev/null; then
		authz_error="the suite printed no authorization URL within 60s (see $OUT/authorization.log)"
		kill -TERM "$authz_pid" 2>/dev/null || true
	fi
	authz_rc=0
	wait "$authz_pid" || authz_rc=$?
	authz_pid=""
	sed 's/\x1b\[[0-9;]*m//g' "$OUT/authorization.log" | sed -n '/^=== SUMMARY ===/,$p' | sed '/^$/d; s/^/  suite: /' >&2 || true
	[[ -z "$authz_error" ]]
}
authz_start=$SECONDS
run_authorization || log "authorization: FAILED (${authz_error:-see above})"
# Only the suite's results are needed now.
stop "$oauth_pid" "chmcp (OAuth)" 15
oauth_pid=""
stop "$mockidp_pid" mockidp 5
mockidp_pid=""
log "authorization part took $((SECONDS - authz_start))s"

# --- summary -----------------------------------------------------------------------------
cat >"$work/summary.js" <<'EOF'
// Per requirement set: required scenarios passed / baselined / failed, stale entries,
// and the not-scored ones (informational); then the same for the authorization-server
// scenarios (all of them count; inputs in the AUTHZ_* variables). Judged like the suite:
// WARNING counts as failing, and for the authorization scenarios SKIPPED too (this script
// gives them everything they need). A baseline entry that excuses nothing, or a set
// with no scenarios at all, fails too. Prints details, then the count lines; exits 1
// when anything failed.
const fs = require("fs"), path = require("path");
const [reqDir, baselineFile, outDir, inspectorOk, jsOk, ...sets] = process.argv.slice(2);
const env = process.env;

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
const baseline = readLists(baselineFile);
const rank = { FAILURE: 3, WARNING: 2, SUCCESS: 1 };

// Scenario name -> checks, from DIR/<prefix><scenario>-<timestamp>/checks.json.
function readResults(dir, prefix) {
	const results = new Map();
	for (const d of dir && fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
		const f = path.join(dir, d, "checks.json");
		if (!fs.existsSync(f)) continue;
		const name = d.replace(prefix, "").replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, "");
		try { results.set(name, JSON.parse(fs.readFileSync(f, "utf8"))); }
		catch (e) { results.set(name, [{ id: name, status: "FAILURE", errorMessage: `unreadable checks.json: ${e.message}` }]); }
	}
	return results;
}

// The scenarios against their results and baseline entries ("<scenario>" or
// "<scenario>:<check-id>"); bad(check) says whether a check fails. Also returns
// the entries that excused a failing check (used) and those that pass now (stale).
function judge(scenarios, results, entries, bad, noResult) {
	const whole = new Set(entries.filter((e) => !e.includes(":")));
	const perCheck = new Map();
	for (const e of entries.filter((e) => e.includes(":"))) {
		const i = e.indexOf(":");
		if (!perCheck.has(e.slice(0, i))) perCheck.set(e.slice(0, i), new Set());
		perCheck.get(e.slice(0, i)).add(e.slice(i + 1));
	}
	const passed = [], baselined = [], failed = new Map(), stale = [], used = new Set();
	for (const s of scenarios) {
		const checks = results.get(s);
		if (!checks) { failed.set(s, [noResult]); continue; }
		const failing = checks.filter(bad);
		const excused = perCheck.get(s) || new Set();
		for (const c of failing) if (excused.has(c.id)) used.add(`${s}:${c.id}`);
		if (whole.has(s) && failing.length) used.add(s);
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
	// A stale entry fails the run: count its scenario as failed.
	for (const e of stale) fail({ passed, baselined, failed }, e.split(":")[0],
		`stale baseline entry ${e}: passes now, remove it from the baseline`);
	return { passed, baselined, failed, used, stale };
}

// Entries (of a baseline list) that excused nothing in any verdict: their check
// passes, is skipped, or no longer exists. They fail the run like stale ones, so the
// baseline cannot keep hiding a failure that comes back. Each counts against its
// scenario in the first verdict that scores that scenario (else the first one).
function failUnused(entries, verdicts) {
	const used = new Set(verdicts.flatMap((x) => [...x.v.used, ...x.v.stale]));
	for (const e of entries.filter((e) => !used.has(e))) {
		const s = e.split(":")[0];
		const x = verdicts.find((x) => x.scenarios.includes(s)) || verdicts[0];
		fail(x.v, s, `baseline entry ${e} excuses no failing check (it passes, is skipped or no longer exists): remove it`);
	}
}

// A requirement list that came out empty would make every run pass.
function failEmpty(v, scenarios, what) {
	if (!scenarios.length) fail(v, "(none)", `no ${what} to judge: the run proves nothing`);
}

function fail(v, s, why) {
	for (const list of [v.passed, v.baselined]) if (list.includes(s)) list.splice(list.indexOf(s), 1);
	v.failed.set(s, (v.failed.get(s) || []).concat(why));
}

function report(title, v) {
	console.log(title);
	console.log(`  passed    (${v.passed.length}): ${v.passed.join(", ")}`);
	console.log(`  baselined (${v.baselined.length}): ${v.baselined.join(", ")}`);
	if (v.failed.size) {
		console.log(`  FAILED    (${v.failed.size}):`);
		for (const [s, why] of v.failed) for (const w of why) console.log(`    ${s}: ${w}`);
	}
}

const counts = [];
const total = { passed: 0, failed: 0, skipped: 0 };
function count(label, v) {
	counts.push(`${label}: ${v.passed.length} passed, ${v.failed.size} failed, ${v.baselined.length} skipped`);
	total.passed += v.passed.length; total.failed += v.failed.size; total.skipped += v.baselined.length;
}

const serverBad = (c) => c.status === "FAILURE" || c.status === "WARNING";
const servers = sets.map((set) => {
	const scenarios = readLists(path.join(reqDir, `${set}.yaml`)).server || [];
	const results = readResults(path.join(outDir, set), /^server-/);
	const v = judge(scenarios, results, baseline.server || [], serverBad, "no result: the scenario did not run");
	failEmpty(v, scenarios, `required server scenarios in ${set}.yaml`);
	return { set, scenarios, results, v };
});
failUnused(baseline.server || [], servers);
for (const { set, scenarios, results, v } of servers) {
	report(`\n== requirement set ${set}: ${scenarios.length} required server scenarios`, v);
	const notScored = [...results.keys()].filter((s) => !scenarios.includes(s)).sort();
	if (notScored.length) {
		const nsBad = new Set(notScored.filter((s) => results.get(s).some(serverBad)));
		console.log(`  not scored by ${set} (informational; ${notScored.length} run, ${nsBad.size} failing): ` +
			notScored.map((s) => `${s} ${nsBad.has(s) ? "✗" : "✓"}`).join(", "));
	}
	count(set, v);
}

// Authorization-server scenarios: every one the suite has, baseline key "authorization".
// The suite runs them without a baseline (it exits 1 on any FAILURE), so its exit status
// only counts when no check explains it; a failed setup step (AUTHZ_ERROR) counts against
// the scenario it concerns, the last one (the code grant) when all of them ran.
{
	const results = readResults(env.AUTHZ_DIR, /^authorization-server-/);
	const scenarios = (env.AUTHZ_SCENARIOS || "").split(",").filter(Boolean);
	for (const s of results.keys()) if (!scenarios.includes(s)) scenarios.push(s);
	const bad = (c) => serverBad(c) || c.status === "SKIPPED";
	const v = judge(scenarios, results, baseline.authorization || [], bad,
		`no result: ${env.AUTHZ_ERROR || "the scenario did not run"}`);
	const last = scenarios[scenarios.length - 1] || "authorization";
	if (env.AUTHZ_ERROR && results.has(last)) fail(v, last, `setup: ${env.AUTHZ_ERROR}`);
	if (!env.AUTHZ_ERROR && env.AUTHZ_RC && env.AUTHZ_RC !== "0" && ![...results.values()].some((cs) => cs.some(bad)))
		fail(v, last, `the suite exited ${env.AUTHZ_RC} without a failing check (see authorization.log)`);
	failEmpty(v, scenarios, `authorization scenarios (${env.AUTHZ_ERROR || "none listed or run"})`);
	failUnused(baseline.authorization || [], [{ scenarios, v }]);
	report(`\n== authorization server (conformance authorization against chmcp with OAuth, mockidp and browse): ${scenarios.length} scenarios`, v);
	count("authorization", v);
}

for (const ok of [inspectorOk, jsOk]) if (ok === "1") total.passed++; else total.failed++;
console.log(`\nskipped = scenarios failing only on baselined checks (conformance/baseline.yml);`);
console.log(`the total adds the Inspector smoke check and the JavaScript precision check as two more tests.`);
for (const line of counts) console.log(line);
console.log(`inspector: ${inspectorOk === "1" ? "1 passed, 0 failed" : "0 passed, 1 failed"}`);
console.log(`js-precision: ${jsOk === "1" ? "1 passed, 0 failed" : "0 passed, 1 failed"}`);
console.log(`conformance: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 ? 1 : 0;
EOF
echo "results: $OUT"
for set in "${SETS[@]}"; do
	((suite_rc[$set] == 0)) || echo "the suite's baseline check failed for $set (exit ${suite_rc[$set]}; see $OUT/$set.log)"
done
[[ -z "$authz_rc" || "$authz_rc" == 0 ]] || echo "conformance authorization exited $authz_rc (see $OUT/authorization.log)"
reqdir=$(dirname "$(dirname "$CONFORMANCE_JS")")/requirements
authz_scenarios=$("$NODE_BIN" "$CONFORMANCE_JS" list --authorization | sed -n 's/^  - \([^ ]*\).*/\1/p' | paste -sd, -) || true
[[ -n "$authz_scenarios" ]] || echo "could not list the suite's authorization scenarios; judging the ones that ran"
AUTHZ_DIR=$OUT/authorization AUTHZ_SCENARIOS=$authz_scenarios AUTHZ_RC=$authz_rc AUTHZ_ERROR=$authz_error \
	"$NODE_BIN" "$work/summary.js" "$reqdir" "$BASELINE" "$OUT" "$inspector_ok" "$js_ok" "${SETS[@]}" || failed=1
exit "$failed"
