// Compiles the server (src/main.ts and the generated code it imports) into dist/engram.js with
// source maps, for bin/engram.js. Plain JavaScript, so that it runs where only the production
// dependencies are installed (`npm ci --omit=dev` runs it through `prepare`); esbuild is one of
// them for that reason. Packages stay imports (`packages: "external"`): only our code is bundled.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(root, "dist");
export const OUTFILE = join(DIST, "engram.js");
const METAFILE = join(DIST, "engram.meta.json");
const CHUNKS = join(DIST, "chunks");
/** A migrated, empty embedded database that new ones start from (src/db/pglite.ts), and what it was made from. */
const SEED = join(DIST, "pglite-seed.tar.gz");
const SEED_KEY = join(DIST, "pglite-seed.key");
/** What the output is made from: a change to any of these makes it stale. */
const SOURCES = ["src", "gen/ts", "scripts/build.js", "tsconfig.json"];

/**
 * Writes dist/engram.js, the chunks it imports lazily or shares (dist/chunks/, named by their
 * content), their source maps, esbuild's metafile (what was bundled, and which packages the
 * output imports), and the embedded database seed when the migrations or PGlite have changed.
 * Each file is written aside and renamed into place, the entry last, so a process starting
 * meanwhile never reads half a build.
 */
export async function build() {
  const { build: esbuild } = await import("esbuild");
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: {
      engram: "src/main.ts",
      "pglite-seed-maker": "src/pglite-seed-maker.ts",
      // Worker threads (src/worker-thread.ts finds them).
      "inference-worker": "src/embedding/inference-worker.ts",
      "pglite-worker": "src/db/pglite-worker.ts",
      "rerank-worker": "src/rerank/rerank-worker.ts",
    },
    outdir: DIST,
    bundle: true,
    // Modules imported with import() (the MCP transports) become chunks loaded when first used.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node22",
    // Class names appear in logs (an error's type) and must not be renamed apart.
    keepNames: true,
    sourcemap: "linked",
    // Stack traces need only the mapping; the sources are beside it, in src/.
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "warning",
  });
  const previous = outputsOf(METAFILE);
  const files = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    { path: METAFILE, contents: JSON.stringify(result.metafile) },
  ];
  // The entry last: its time is what staleness is judged by.
  files.sort((a, b) => Number(a.path === OUTFILE) - Number(b.path === OUTFILE));
  mkdirSync(CHUNKS, { recursive: true });
  for (const { path, contents } of files) {
    if (path === OUTFILE) makeSeedIfStale();
    const aside = `${path}.${process.pid}.tmp`;
    writeFileSync(aside, contents);
    renameSync(aside, path);
  }
  // A server started from the previous build may still load its chunks; older ones go.
  const kept = new Set([...files.map((file) => file.path), ...previous]);
  for (const name of readdirSync(CHUNKS)) {
    if (!kept.has(join(CHUNKS, name)) && !name.endsWith(".tmp")) rmSync(join(CHUNKS, name), { force: true });
  }
}

/** Runs the seed maker just built, unless the seed there was made from the same migrations and PGlite. */
function makeSeedIfStale() {
  const key = createHash("sha256");
  const migrations = join(root, "src/db/migrations");
  for (const name of readdirSync(migrations).sort()) key.update(name).update(readFileSync(join(migrations, name)));
  key.update(readFileSync(join(root, "node_modules/@electric-sql/pglite/package.json")));
  const wanted = key.digest("hex");
  if (mtimeOf(SEED) !== undefined && readText(SEED_KEY) === wanted) return;
  execFileSync(process.execPath, [join(DIST, "pglite-seed-maker.js"), SEED], { stdio: "inherit" });
  writeFileSync(SEED_KEY, wanted);
}

function readText(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The files a build wrote, from its metafile (source maps included); none when there is none. */
function outputsOf(metafile) {
  try {
    const outputs = Object.keys(JSON.parse(readFileSync(metafile, "utf8")).outputs);
    return outputs.flatMap((output) => [join(root, output), join(root, `${output}.map`)]);
  } catch {
    return [];
  }
}

/** Whether dist/engram.js is missing or older than a source (sources absent count as unchanged). */
export function isStale() {
  const built = mtimeOf(OUTFILE);
  if (built === undefined) return true;
  return SOURCES.some((source) => newestMtime(join(root, source)) > built);
}

/** Builds when stale: a fresh clone after `npm ci` has dist/ already, a working copy after an edit does not. */
export async function buildIfStale() {
  if (isStale()) await build();
}

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  // Directories too: deleting a file changes only its directory's time.
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

if (process.argv[1] === import.meta.filename) {
  await build();
}
