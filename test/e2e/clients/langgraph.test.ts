import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import { repoRoot } from "../../support/engram-process.js";
import { installLangGraphPackage } from "./packages.js";
import { clientSmokeTest } from "./smoke.js";

describe("LangGraph store and LangChain retriever (adapters/langgraph-js), npm-packed and installed", () => {
  clientSmokeTest(
    "agrees with InMemoryStore operation by operation, a real graph remembers across threads, and the retriever fills a chain",
    async (scratch) => {
      await installLangGraphPackage(scratch, [
        "@connectrpc/connect-node",
        "@langchain/core",
        "@langchain/langgraph",
        "@langchain/langgraph-checkpoint",
      ]);
      const scripts = ["differential.mjs", "graph.mjs", "chain.mjs"];
      for (const script of [...scripts, "transport.mjs"]) {
        await copyFile(join(repoRoot, "test/e2e/clients/langgraph", script), join(scratch, script));
      }
      const node = JSON.stringify(process.execPath);
      return { command: "sh", args: ["-c", scripts.map((script) => `${node} ${script}`).join(" && ")], cwd: scratch };
    },
  );
});
