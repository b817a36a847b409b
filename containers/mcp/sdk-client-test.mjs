// Starts the example MCP server exactly as mcp-config.json says (paths mapped
// to this checkout), through pprotect-run, with the official SDK's stdio
// client: lists the tools, calls one that proves the secret arrived, and
// checks stdout carried JSON-RPC only and nothing outlives the client.
// Usage: node sdk-client-test.mjs  (settings in the environment, see below;
// EXTRA_RUN_ARGS, space-separated, go to pprotect-run before "--", e.g.
// --mask)
import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const config = JSON.parse(readFileSync(new URL("./mcp-config.json", import.meta.url), "utf8"));
const mapping = {
  "/usr/local/bin/pprotect-run": need("PPROTECT_RUN"),
  "/etc/pprotect/protected.yaml": need("PROTECTED_FILE"),
  "/etc/pprotect/passphrase": need("PASSPHRASE_FILE"),
  "/opt/pprotect-mcp/server.mjs": new URL("./server.mjs", import.meta.url).pathname,
};
const expectedToken = need("EXPECTED_SECRET");
const pidFile = need("SERVER_PID_FILE");
const entry = config.mcpServers["pprotect-example"];
const command = mapping[entry.command] ?? entry.command;
const args = entry.args.map((a) => mapping[a] ?? a);
const extra = (process.env.EXTRA_RUN_ARGS ?? "").split(" ").filter(Boolean);
args.splice(args.indexOf("--"), 0, ...extra);

let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "FAIL"} - ${what}`);
  if (!ok) failures += 1;
};

const alive = (pid) => {
  // A zombie counts as gone: it runs nothing.
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return !/^\d+ \(.*\) Z/.test(stat);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitGone = async (pid, ms) => {
  for (let waited = 0; waited < ms && alive(pid); waited += 50) await sleep(50);
  return !alive(pid);
};

// 1. The SDK client, as an MCP host runs it.
{
  const transport = new StdioClientTransport({
    command,
    args,
    // The SDK passes only a safe default environment; add what the test needs.
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? "/", MCP_EXAMPLE_PID_FILE: pidFile },
    stderr: "pipe",
  });
  const transportErrors = [];
  let stderrText = "";
  transport.stderr?.on("data", (d) => (stderrText += d));
  const client = new Client({ name: "pprotect-sdk-test", version: "1.0.0" });
  client.onerror = (e) => transportErrors.push(String(e));
  await client.connect(transport);
  const launcherPid = transport.pid;

  const tools = await client.listTools();
  check(tools.tools.some((t) => t.name === "secret_fingerprint"), "tools/list names secret_fingerprint");

  const result = await client.callTool({ name: "secret_fingerprint", arguments: { name: "DEPLOY_TOKEN" } });
  const fingerprint = JSON.parse(result.content[0].text);
  const expected = createHash("sha256").update(expectedToken).digest("hex");
  check(fingerprint.present === true, "DEPLOY_TOKEN is present in the server's environment");
  check(fingerprint.sha256 === expected, "DEPLOY_TOKEN has the value stored in the protected file");

  const credentials = await client.callTool({ name: "secret_fingerprint", arguments: { name: "PPROTECT_PASSPHRASE" } });
  check(JSON.parse(credentials.content[0].text).present === false, "no passphrase variable reaches the server");

  const serverPid = Number(readFileSync(pidFile, "utf8"));
  check(serverPid > 0 && serverPid !== launcherPid, "the server is pprotect-run's child, not pprotect-run itself");

  await client.close();
  check(await waitGone(launcherPid, 10000), "pprotect-run is gone after the client closed");
  check(await waitGone(serverPid, 10000), "the server did not outlive pprotect-run");
  check(transportErrors.length === 0, `no transport error (non-JSON on stdout would be one): ${transportErrors.join("; ")}`);
  check(!stderrText.includes(expectedToken), "the secret never appears on stderr");
}

// 2. Raw: every byte on stdout is a JSON-RPC message, and closing stdin
//    (the SDK's first shutdown step) ends both processes.
{
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? "/" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.stdin.write(
    JSON.stringify({
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }) + "\n",
  );
  child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
  child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }) + "\n");
  for (let waited = 0; waited < 10000 && stdout.split("\n").filter(Boolean).length < 2; waited += 50) await sleep(50);
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
  const status = await exited;
  clearTimeout(timer);
  const lines = stdout.split("\n").filter((l) => l.length > 0);
  check(lines.length === 2, `two responses on stdout (got ${lines.length})`);
  const allJsonRpc = lines.every((l) => {
    try {
      return JSON.parse(l).jsonrpc === "2.0";
    } catch {
      return false;
    }
  });
  check(allJsonRpc, "every stdout line is a JSON-RPC 2.0 message");
  check(status.code === 0 && status.signal === null, `EOF on stdin ends the server and pprotect-run exits 0 (got ${JSON.stringify(status)})`);
}

process.exit(failures === 0 ? 0 : 1);
