// JavaScript precision check: a real JS MCP client (the official TypeScript SDK) calls
// execute_query for two UInt64 values that a JavaScript number cannot hold, and asserts
// that it reads every digit, from structuredContent and from the text content alike.
// JSON.parse turns 18446744073709551615 into 18446744073709552000; chmcp writes 64-bit
// integers as strings (docs/results.md), so none is lost.
//
//   node scripts/js-precision.mjs <MCP URL> <node_modules dir holding @modelcontextprotocol/sdk>
//
// Prints one line; exits 0 when the digits are exact, 1 otherwise.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [url, modules] = process.argv.slice(2);
if (!url || !modules) {
	console.log("usage: js-precision.mjs <MCP URL> <node_modules dir>");
	process.exit(2);
}
const sdk = (p) => import(pathToFileURL(path.join(modules, "@modelcontextprotocol/sdk/dist/esm", p)).href);
const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");

const query = "SELECT toUInt64(18446744073709551615) AS u, cityHash64('x') AS h";
const want = ["18446744073709551615", "5748889492429595544"];

function check(where, result) {
	const types = (result?.columns || []).map((c) => c.type).join(",");
	if (types !== "UInt64,UInt64") return `${where}: column types ${types}, want UInt64,UInt64`;
	const row = result?.rows?.[0];
	if (!Array.isArray(row) || row.length !== 2 || row.some((v, i) => typeof v !== "string" || v !== want[i]))
		return `${where}: row ${JSON.stringify(row)} (${row?.map((v) => typeof v).join(",")}), want ${JSON.stringify(want)}`;
	return "";
}

const client = new Client({ name: "chmcp-js-precision", version: "1.0.0" });
let why = "";
try {
	await client.connect(new StreamableHTTPClientTransport(new URL(url)));
	await client.listTools(); // the SDK then validates structuredContent against the output schema
	const res = await client.callTool({ name: "execute_query", arguments: { query } });
	if (res.isError) why = "tool error: " + JSON.stringify(res.content);
	else why = check("structuredContent", res.structuredContent) ||
		check("text content", JSON.parse(res.content.find((c) => c.type === "text")?.text ?? "null"));
} catch (e) {
	why = `${e.name}: ${e.message}`;
} finally {
	await client.close().catch(() => {});
}
console.log(why ? "FAILED: " + why : `ok: ${query} read as ${JSON.stringify(want)}`);
process.exit(why ? 1 : 0);
