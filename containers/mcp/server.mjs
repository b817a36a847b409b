// A small MCP server meant to be started through pprotect-run: the secret
// arrives in its environment and never on disk or on the command line.
// stdout carries JSON-RPC only; anything human goes to stderr.
import { createHash } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "pprotect-example", version: "1.0.0" });

// Proves a secret is present without revealing it: its length and SHA-256.
server.registerTool(
  "secret_fingerprint",
  {
    description: "Say whether an environment variable is set, with the SHA-256 of its value",
    inputSchema: { name: z.string().describe("environment variable name, e.g. DEPLOY_TOKEN") },
  },
  async ({ name }) => {
    const value = process.env[name];
    const result =
      value === undefined
        ? { name, present: false }
        : { name, present: true, length: value.length, sha256: createHash("sha256").update(value).digest("hex") };
    return { content: [{ type: "text", text: JSON.stringify(result) }] };
  },
);

if (process.env.MCP_EXAMPLE_PID_FILE) {
  // For the test: lets it check the server never outlives pprotect-run.
  const { writeFileSync } = await import("node:fs");
  writeFileSync(process.env.MCP_EXAMPLE_PID_FILE, String(process.pid));
}
process.stderr.write("pprotect-example MCP server ready on stdio\n");
await server.connect(new StdioServerTransport());
