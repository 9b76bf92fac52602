import { existsSync } from "node:fs";

/**
 * The directory holding package.json above this module, whether it runs from src/ or from
 * within the build (dist/ or one of its chunks).
 */
function packageRoot(): URL {
  let dir = new URL(".", import.meta.url);
  while (!existsSync(new URL("package.json", dir))) {
    const parent = new URL("..", dir);
    if (parent.href === dir.href) throw new Error(`no package.json above ${import.meta.url}`);
    dir = parent;
  }
  return dir;
}

const root = packageRoot();

/** Generated files the server reads at start-up: `npm run generate` writes them into gen/. */
export const OPENAPI_DOCUMENT = new URL("gen/openapi/engram.openapi.json", root);
export const CONSOLE_DIR = new URL("gen/console/", root);
/** A migrated, empty embedded database that new ones start from: the build writes it (scripts/build.js). */
export const PGLITE_SEED = new URL("dist/pglite-seed.tar.gz", root);
