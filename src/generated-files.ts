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

/** Whether this code runs from src/ (tests, tsx) rather than from the build. */
const fromSource = import.meta.url.endsWith(".ts");

/**
 * A worker thread's entry file, given as its source beside the module that starts it: that file
 * when running from src/ (Node strips its types), dist/<name>.js once built (scripts/build.js
 * bundles each worker as an entry of its own).
 */
export function workerEntry(source: URL): URL {
  if (fromSource) return source;
  const name = source.pathname.slice(source.pathname.lastIndexOf("/") + 1).replace(/\.ts$/, ".js");
  return new URL(`dist/${name}`, root);
}
