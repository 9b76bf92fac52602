// Writes the documentation pages that are generated from the code, so that they cannot drift
// from it: docs/configuration.md from the settings declaration (src/server-settings.ts) and
// docs/mcp-tools.md from the MCP tool list (src/mcp/tools.ts). `npm run docs` writes them;
// with --check (part of `npm run lint`) it writes nothing and fails when a page is stale.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { configurationPage } from "./docs/configuration-page.js";
import { mcpToolsPage } from "./docs/mcp-tools-page.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const pages: Record<string, () => string> = {
  "docs/configuration.md": configurationPage,
  "docs/mcp-tools.md": mcpToolsPage,
};
const check = process.argv.includes("--check");

let stale = 0;
for (const [path, render] of Object.entries(pages)) {
  const file = `${root}${path}`;
  // Formatted as `prettier --check .` wants it, so the two checks agree.
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  const text = await prettier.format(render(), options);
  const current = await readFile(file, "utf8").catch(() => "");
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run 'npm run docs' and commit the result`);
    stale++;
  } else {
    await writeFile(file, text);
    console.error(`wrote ${path}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
