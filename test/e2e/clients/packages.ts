import { execFile } from "node:child_process";
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../support/engram-process.js";

const run = promisify(execFile);

/** Runs a command to completion; a failure's message carries its output. */
export async function exec(command: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout}${stderr}`, { cause: err });
  }
}

/** The version of a package this repository depends on, so scratch projects install the same. */
async function pinnedVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const version = manifest.dependencies[name] ?? manifest.devDependencies[name];
  if (version === undefined) throw new Error(`package.json does not depend on ${name}`);
  return version;
}

/**
 * `npm pack`s gen/ts-client into `scratch`, a new npm project outside the repository, and
 * installs the tarball there with `transports` (e.g. @connectrpc/connect-node), as a user would.
 */
export async function installTypeScriptPackage(
  scratch: string,
  transports: string[],
  alsoPacked: string[] = [],
): Promise<void> {
  await exec("npm", ["pack", join(repoRoot, "gen/ts-client"), "--pack-destination", scratch, "--silent"], scratch);
  const tarballs = (await readdir(scratch)).filter((name) => name.endsWith(".tgz"));
  const tarball = tarballs.find((name) => name.startsWith("engram-memory-client-"));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${scratch}`);
  const others = tarballs.filter((name) => alsoPacked.some((prefix) => name.startsWith(prefix))).map((n) => `./${n}`);
  await writeFile(join(scratch, "package.json"), JSON.stringify({ name: "smoke", private: true, type: "module" }));
  const pinned = await Promise.all(transports.map(async (name) => `${name}@${await pinnedVersion(name)}`));
  await exec(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
      `./${tarball}`,
      ...others,
      ...pinned,
    ],
    scratch,
  );
}

/**
 * Compiles adapters/langgraph-js into `scratch` and `npm pack`s it there, beside the client's
 * tarball, then installs both with `others` (LangGraph, the transport), as a user would.
 */
export async function installLangGraphPackage(scratch: string, others: string[]): Promise<void> {
  const adapter = join(scratch, "adapter");
  const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
  await exec(
    process.execPath,
    [tsc, "-p", join(repoRoot, "adapters/langgraph-js"), "--outDir", join(adapter, "dist")],
    scratch,
  );
  await cp(join(repoRoot, "adapters/langgraph-js/package.json"), join(adapter, "package.json"));
  await exec("npm", ["pack", adapter, "--pack-destination", scratch, "--silent"], scratch);
  await installTypeScriptPackage(scratch, others, ["engram-langgraph-"]);
}

/**
 * Builds the wheel of gen/python (from a copy, so the build leaves nothing in the repository)
 * and installs it with its dependencies from PyPI into a fresh venv in `scratch`. Returns the
 * venv's python.
 */
export async function installPythonWheel(scratch: string): Promise<string> {
  const wheel = await buildWheel("gen/python", join(scratch, "client"));
  await exec("python3", ["-m", "venv", join(scratch, "venv")], scratch);
  const python = join(scratch, "venv/bin/python");
  await exec(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], scratch);
  return python;
}

/**
 * The wheel of the Python project at `project` (relative to the repository), built from a copy in
 * `workDir` so the build leaves nothing in the repository, by the repository's pinned setuptools
 * with nothing fetched at build time. Returns its path.
 */
async function buildWheel(project: string, workDir: string): Promise<string> {
  const source = join(workDir, "source");
  await cp(join(repoRoot, project), source, { recursive: true });
  const builder = join(repoRoot, ".tools/venv/bin/python");
  const wheels = join(workDir, "wheels");
  await exec(builder, ["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", wheels, source], workDir);
  const wheel = (await readdir(wheels)).find((name) => name.endsWith(".whl"));
  if (wheel === undefined) throw new Error(`no wheel was built into ${wheels}`);
  return join(wheels, wheel);
}

/**
 * The Python client's venv (installPythonWheel) with the LangGraph adapter's wheel, built from a
 * copy of adapters/langgraph-py, and the LangGraph releases its tests pin. Returns the python.
 */
export async function installPythonLangGraph(scratch: string): Promise<string> {
  const python = await installPythonWheel(scratch);
  const wheel = await buildWheel("adapters/langgraph-py", join(scratch, "adapter"));
  const pins = join(repoRoot, "test/e2e/clients/langgraph-py/requirements.txt");
  await exec(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, "-r", pins], scratch);
  return python;
}

/** A copy of test/e2e/clients/go in `scratch` whose gen/go dependency is this checkout's, by replace directive. */
export async function goScratchModule(scratch: string): Promise<void> {
  for (const name of ["go.mod", "go.sum", "smoke_test.go"]) {
    await cp(join(repoRoot, "test/e2e/clients/go", name), join(scratch, name));
  }
  const replace = `github.com/engram-dev/engram/gen/go=${join(repoRoot, "gen/go")}`;
  await exec("go", ["mod", "edit", "-replace", replace], scratch);
}
