import { join } from "node:path";
import { describe } from "vitest";
import { repoRoot } from "../support/engram-process.js";
import { clientSmokeTest } from "./smoke.js";

describe("generated Go client (gen/go)", () => {
  // -count=1: never a cached pass, every run talks to this run's server.
  clientSmokeTest(
    "writes, lists, searches and deletes over gRPC",
    "go",
    ["test", "-count=1", "./..."],
    join(repoRoot, "test/clients/go"),
  );
});
