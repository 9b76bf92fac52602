import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./engram-process.js";

/**
 * Spawned servers and CLI runs use the compiled build (bin/engram.js), as users do: built here
 * from the sources under test, once, rather than by whichever spawned process finds it stale.
 */
export default async function setup(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(repoRoot, "scripts/build.js")], { timeout: 120_000 });
}
