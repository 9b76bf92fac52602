import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import { repoRoot } from "../../support/engram-process.js";
import { installTypeScriptPackage } from "./packages.js";
import { clientSmokeTest } from "./smoke.js";

describe("TypeScript client package (gen/ts-client), npm-packed and installed on plain Node", () => {
  clientSmokeTest(
    "writes, lists, streams a search, deletes, reads an error's reason, and watches and resumes over gRPC",
    async (scratch) => {
      await installTypeScriptPackage(scratch, ["@connectrpc/connect-node"]);
      await copyFile(join(repoRoot, "test/e2e/clients/typescript/smoke.mjs"), join(scratch, "smoke.mjs"));
      // Node itself, no loader: the package is JavaScript with .d.ts files.
      return { command: process.execPath, args: ["smoke.mjs"], cwd: scratch };
    },
  );
});
