import { describe } from "vitest";
import { goScratchModule } from "./packages.js";
import { clientSmokeTest } from "./smoke.js";

describe("Go client module (gen/go), used from a module outside the repository", () => {
  // -count=1: never a cached pass, every run talks to this run's server.
  clientSmokeTest(
    "writes, lists, streams a search, deletes, reads an error's reason, and watches and resumes over gRPC",
    async (scratch) => {
      await goScratchModule(scratch);
      return { command: "go", args: ["test", "-count=1", "./..."], cwd: scratch };
    },
  );
});
