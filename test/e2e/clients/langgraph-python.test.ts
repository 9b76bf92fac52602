import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import { repoRoot } from "../../support/engram-process.js";
import { installPythonLangGraph } from "./packages.js";
import { clientSmokeTest } from "./smoke.js";

describe("LangGraph store and LangChain retriever for Python (adapters/langgraph-py), from their wheels", () => {
  clientSmokeTest(
    "agrees with InMemoryStore operation by operation, keeps TTLs, a real graph remembers across threads, and the retriever fills a chain",
    async (scratch) => {
      const python = await installPythonLangGraph(scratch);
      const scripts = ["differential.py", "graph.py", "chain.py"];
      for (const script of scripts) {
        await copyFile(join(repoRoot, "test/e2e/clients/langgraph-py", script), join(scratch, script));
      }
      const run = scripts.map((script) => `${JSON.stringify(python)} -B ${script}`).join(" && ");
      return { command: "sh", args: ["-c", run], cwd: scratch };
    },
  );
});
