import { join } from "node:path";
import { describe } from "vitest";
import { repoRoot } from "../support/engram-process.js";
import { clientSmokeTest } from "./smoke.js";

describe("generated Python client (gen/python)", () => {
  // The venv comes from scripts/setup-python.sh. -B and no cacheprovider: nothing written into the tree.
  const python = join(repoRoot, ".tools/venv/bin/python");
  clientSmokeTest("writes, lists, searches and deletes over gRPC", python, [
    "-B",
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "test/clients/python",
  ]);
});
