import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import { repoRoot } from "../../support/engram-process.js";
import { installPythonWheel } from "./packages.js";
import { clientSmokeTest } from "./smoke.js";

describe("Python client wheel (gen/python), installed into a fresh venv", () => {
  clientSmokeTest(
    "writes, lists, streams a search, deletes, reads an error's reason, and watches and resumes over gRPC",
    async (scratch) => {
      const python = await installPythonWheel(scratch);
      await copyFile(join(repoRoot, "test/e2e/clients/python/smoke.py"), join(scratch, "smoke.py"));
      // -B: no bytecode written beside the script.
      return { command: python, args: ["-B", "smoke.py"], cwd: scratch };
    },
  );
});
