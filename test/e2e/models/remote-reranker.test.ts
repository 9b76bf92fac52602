/**
 * `engram serve --reranker <url>`: the flags reach a RemoteReranker, a search asking for rerank
 * is reranked by the rerank API the test starts (serving the packaged cross-encoder), the stats
 * name it, and when it fails the log says so without the key or any memory's content.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import { keyFor, parseLogLine, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { RerankServer } from "../../support/rerank-server.js";

const API_KEY = "rerank-secret-3f9a";
const ANSWER = "Dana starts each day with a pot of green tea.";
const NOTES = [ANSWER, "Morning standup notes: who brings drinks in the morning.", "Invoice 7 was filed for region 3."];

const rerankApi = new RerankServer();
let engram: EngramProcess;
let dataDir: string;
let url: string;

beforeAll(async () => {
  url = await rerankApi.start();
  dataDir = await mkdtemp(join(tmpdir(), "engram-remote-rerank-"));
  engram = await spawnEngram({
    dataDir,
    args: ["--reranker", url, "--reranker-api", "tei", "--reranker-timeout-ms", "3000"],
    env: { ENGRAM_RERANKER_API_KEY: API_KEY },
  });
});
afterAll(async () => {
  await engram?.kill();
  await rerankApi.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("a server whose --reranker is a rerank API's URL", () => {
  it("reranks through it with its key, names it in the stats, and logs its failure without secrets or content", async () => {
    const client = memoryClient(engram.baseUrl, await keyFor(dataDir, process.env.DATABASE_URL));
    const subjectId = `dana-${Date.now()}`;
    await client.batchWriteMemories({
      requests: NOTES.map((content) => ({ memory: { subjectType: "person", subjectId, kind: "note", content } })),
    });
    const search = async () => {
      let rerank: string | null = null;
      const contents: string[] = [];
      const request = { query: "What does Dana drink in the morning?", topK: 3, rerank: true, filter: { subjectId } };
      const stream = client.searchMemories(request, { onHeader: (h) => (rerank = h.get("engram-rerank")) });
      for await (const r of stream) contents.push(r.memory?.content ?? "");
      return { first: contents[0], rerank };
    };

    expect(await search()).toEqual({ first: ANSWER, rerank: "applied" });
    expect(rerankApi.lastAuthorization).toBe(`Bearer ${API_KEY}`);
    expect(rerankApi.lastBody).toMatchObject({ query: "What does Dana drink in the morning?", truncate: true });
    const stats = await client.getMemoryStats({});
    expect(stats.rerankModel).toBe(`remote:${new URL(url).host}/rerank`);

    rerankApi.failWith = 502;
    expect((await search()).rerank).toBe("unavailable");
    const failure = await engram.waitForLog(
      "reranker call failed: searches asking for rerank keep their order until it answers again",
    );
    expect(failure).toMatchObject({ reranker: stats.rerankModel, retryInSeconds: 5 });
    const log = engram.stderrLines.join("\n");
    expect(log).not.toContain(API_KEY);
    for (const note of NOTES) expect(log).not.toContain(note);
    expect(engram.stderrLines.map(parseLogLine).some((l) => l?.level === 50)).toBe(false);
  });
});
