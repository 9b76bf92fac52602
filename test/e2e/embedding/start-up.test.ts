/**
 * A server listens before its embedder is up (loading a model takes seconds), and still refuses
 * a model whose declared size does not fit the database before it listens.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { runEngram } from "../../support/engram-process.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { clientFor, eventually, expectRankOrder, unique } from "../../engine/search/search-support.js";
import { searchAll } from "../../support/factories/search.js";

/** The word-hash embedder, whose ready() waits until the test lets it answer. */
class SlowToLoadEmbedder extends WordHashEmbedder {
  release: () => void = () => {};
  private readonly loaded = new Promise<void>((resolve) => (this.release = resolve));
  override async ready(): Promise<void> {
    await this.loaded;
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("an embedder still loading when the server starts", () => {
  it("does not hold up listening: writes commit PENDING and searches use keywords until it is up, then vectors attach", async () => {
    const embedder = new SlowToLoadEmbedder();
    // As `engram serve` starts: the embedder is brought up after the server listens.
    const server: TestServer = await startTestServer({}, { embedder, awaitEmbedder: false });
    cleanups.push(() => server.close());
    const client = clientFor(server, server.adminKey);
    const subjectId = unique("loading");

    const { memory } = await client.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", content: "renewal call booked for March" },
    });
    expect(EmbeddingStatus[memory!.embeddingStatus]).toBe("PENDING");
    const found = await searchAll(client, { query: "renewal call", filter: { subjectId } });
    expect(found.map((r) => r.memory?.id)).toEqual([memory!.id]);
    expectRankOrder(found, SearchMode.KEYWORD);

    embedder.release();
    const attached = await eventually(async () => {
      const got = (await client.getMemory({ id: memory!.id })).memory;
      return got?.embeddingStatus === EmbeddingStatus.ATTACHED ? got : undefined;
    });
    expect(attached.embeddingModel).toBe(embedder.id);
  });
});

describe("a local model whose config.json declares another size than the database's vector(384)", () => {
  it("stops `engram serve` before it listens, with one line naming both sizes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "engram-wide-model-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // Only the configuration: the check must not need the weights.
    await mkdir(join(dir, "models/example/wide"), { recursive: true });
    await writeFile(join(dir, "models/example/wide/config.json"), JSON.stringify({ hidden_size: 512 }));

    const { code, stderr } = await runEngram(
      ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dir, "data")],
      { DATABASE_URL: undefined, ENGRAM_MODEL_DIR: join(dir, "models"), ENGRAM_EMBEDDING_MODEL: "example/wide" },
    );
    expect(code).toBe(1);
    const fatal = stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; err?: { message?: string } })
      .find((line) => line.msg === "engram failed to start");
    expect(fatal?.err?.message).toMatch(/512-dimensional vectors but the database column is vector\(384\)/);
    expect(stderr).not.toContain("engram listening");
  });
});
