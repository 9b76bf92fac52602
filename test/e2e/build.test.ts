/**
 * The compiled server (bin/engram.js and dist/, which the global setup builds) needs nothing
 * but Node and the production dependencies: `npm ci --omit=dev` installs no tsx, vitest, eslint
 * or typescript, so an import of any of them at run time would break production.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readAdminKey } from "../../src/auth/api-keys.js";
import { eventually } from "../engine/search/search-support.js";
import { repoRoot, spawnEngram, type EngramProcess } from "../support/engram-process.js";

const run = promisify(execFile);

interface PackageJson {
  dependencies: Record<string, string>;
}
interface Lockfile {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
}
interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(join(repoRoot, path), "utf8")) as T;

/** "@scope/name/sub/path.js" -> "@scope/name", "name/sub" -> "name". */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Packages an output imports, and with `statically`, only those loaded with it (through its chunks). */
function packagesOf(
  outputs: Metafile["outputs"],
  output: string,
  statically: boolean,
  seen = new Set<string>(),
): string[] {
  if (seen.has(output)) return [];
  seen.add(output);
  return (outputs[output]?.imports ?? []).flatMap((i) => {
    if (statically && i.kind !== "import-statement") return [];
    return i.external ? [i.path] : packagesOf(outputs, i.path, statically, seen);
  });
}

describe("the build", () => {
  it("imports nothing but Node's modules and the production dependencies, lazily loaded ones included", async () => {
    const { dependencies } = await readJson<PackageJson>("package.json");
    const { outputs } = await readJson<Metafile>("dist/engram.meta.json");
    // The server and its threads' entries: the model runtime is the embedder thread's.
    const entries = ["dist/engram.js", "dist/inference-worker.js", "dist/pglite-worker.js"];
    const imported = entries.flatMap((entry) => packagesOf(outputs, entry, false));
    expect(packagesOf(outputs, "dist/inference-worker.js", false)).toContain("@huggingface/transformers");
    expect(packagesOf(outputs, "dist/pglite-worker.js", false)).toContain("@electric-sql/pglite");
    const builtins = new Set(builtinModules);
    const outside = imported.filter((path) => !path.startsWith("node:") && !builtins.has(path)).map(packageName);
    expect([...new Set(outside)].filter((name) => !(name in dependencies))).toEqual([]);
  });

  it("leaves the model runtime and the MCP SDK out of start-up: they load when first used", async () => {
    const { outputs } = await readJson<Metafile>("dist/engram.meta.json");
    const atStart = new Set(packagesOf(outputs, "dist/engram.js", true).map(packageName));
    expect(atStart).toContain("@electric-sql/pglite");
    expect(atStart).not.toContain("@huggingface/transformers");
    expect(atStart).not.toContain("@modelcontextprotocol/sdk");
  });
});

/**
 * A directory holding what `npm ci --omit=dev` leaves a clone to run with: the build, the files it
 * serves, and node_modules with only the packages the lockfile does not mark as for development
 * (linked to this checkout's copies).
 */
async function productionCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "engram-production-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // Timestamps kept: the build must not look older than its sources' copies, or bin would rebuild.
  for (const path of ["package.json", "bin", "scripts/build.js", "dist", "gen/openapi", "gen/console"]) {
    await cp(join(repoRoot, path), join(dir, path), { recursive: true, preserveTimestamps: true });
  }
  const { packages } = await readJson<Lockfile>("package-lock.json");
  for (const [path, entry] of Object.entries(packages)) {
    const topLevel = /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path);
    if (!topLevel || entry.dev || entry.devOptional) continue;
    // Optional packages for other platforms are not installed.
    if (!(await stat(join(repoRoot, path)).catch(() => null))) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await symlink(join(repoRoot, path), join(dir, path));
  }
  return dir;
}

describe("the compiled server with the production dependencies only", () => {
  it("starts, loads the model, writes and searches, and answers the CLI", async () => {
    const dir = await productionCopy();
    await expect(stat(join(dir, "node_modules/tsx"))).rejects.toThrow();
    await expect(stat(join(dir, "node_modules/vitest"))).rejects.toThrow();
    const dataDir = join(dir, ".data");
    const modelDir = resolve(repoRoot, process.env.ENGRAM_MODEL_DIR ?? ".models");
    const server: EngramProcess = await spawnEngram({
      dataDir,
      cwd: dir,
      env: { DATABASE_URL: undefined, ENGRAM_EMBEDDER: "local", ENGRAM_MODEL_DIR: modelDir, NODE_OPTIONS: undefined },
    });
    cleanups.push(() => server.kill());
    await server.waitForLog("embedder ready");

    const headers = { authorization: `Bearer ${await readAdminKey(dataDir)}`, "content-type": "application/json" };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.baseUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      expect(res.ok, await res.clone().text()).toBe(true);
      return res.text();
    };
    const content = "Sarah wants fewer manual follow-ups";
    const written = JSON.parse(
      await post("/v1/memory", { subject_type: "contact", subject_id: "sarah", kind: "note", content }),
    ) as { memory: { id: string } };
    await eventually(async () => {
      const res = await fetch(`${server.baseUrl}/v1/memory/${written.memory.id}`, { headers });
      const { memory } = (await res.json()) as { memory: { embedding_status: string } };
      return memory.embedding_status === "attached" ? true : undefined;
    });
    const found = JSON.parse(
      await post("/v1/memory/search", { query: "who is tired of manual work?", mode: "semantic" }),
    );
    expect(found).toMatchObject([{ memory: { id: written.memory.id }, mode: "semantic" }]);

    const stats = await run(process.execPath, ["bin/engram.js", "stats", "--data-dir", dataDir], { cwd: dir });
    expect(stats.stdout).toContain("local:Xenova/all-MiniLM-L6-v2:q8 (ready)");
  });
});

describe("stack traces", () => {
  it("name the TypeScript sources, through the build's source map", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "engram-stack-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // A database nobody listens on: start-up fails with an error made in src/db/orm.ts.
    const failed = await run(
      process.execPath,
      ["bin/engram.js", "serve", "--data-dir", dataDir, "--embedder", "none", "--db-connect-timeout", "1"],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: "postgres://engram@127.0.0.1:1/engram" } },
    ).then(
      () => ({ stderr: "" }),
      (err: { stderr: string }) => err,
    );
    const fatal = failed.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; err?: { stack?: string } })
      .find((line) => line.msg === "engram failed to start");
    expect(fatal?.err?.stack).toMatch(/at connectError \(.*\/src\/db\/orm\.ts:\d+:\d+\)/);
    expect(fatal?.err?.stack).not.toContain("dist/engram.js");
  });
});
