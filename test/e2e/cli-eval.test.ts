/**
 * `engram eval <file.jsonl>`: labelled queries from a file, evaluated through a running server
 * (SearchService.EvaluateSearch), as a table or JSON whose totals are the API's own; a file it
 * cannot read is refused with the line at fault.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { memoryClient, searchClient } from "../support/clients.js";
import { runEngram } from "../support/engram-process.js";
import { WordHashEmbedder } from "../support/embedders.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let dir: string;
const subjectId = randomUUID();
const NOTES = [
  { key: "tea", content: "Dana drinks green tea every morning" },
  { key: "run", content: "Dana runs five kilometres before work" },
  { key: "bike", content: "Dana cycles to the office when it is dry" },
];
const QUERIES = [
  { query: "what does Dana drink", expected_keys: ["tea"], filter: { subject_id: subjectId }, label: "drink" },
  { query: "how does Dana get to work", expected_keys: ["bike", "run"], filter: { subject_id: subjectId } },
];

beforeAll(async () => {
  server = await startTestServer({}, { embedder: new WordHashEmbedder() });
  dir = await mkdtemp(join(tmpdir(), "engram-eval-"));
  const client = memoryClient(server.baseUrl, server.adminKey);
  for (const note of NOTES)
    await client.writeMemory({ memory: { subjectType: "person", subjectId, kind: "note", ...note } });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function evalFile(lines: string[], ...flags: string[]) {
  const file = join(dir, `${randomUUID()}.jsonl`);
  await writeFile(file, lines.join("\n") + "\n");
  return runEngram(["eval", file, "--url", server.baseUrl, "--api-key", server.adminKey, ...flags]);
}

describe("engram eval", () => {
  it("reports each configuration's totals as the API computes them, as JSON and as a table", async () => {
    const lines = QUERIES.map((q) => JSON.stringify(q));
    const json = await evalFile(
      lines,
      "--modes",
      "keyword,hybrid",
      "--rerank",
      "off",
      "--k",
      "5",
      "--json",
      "--per-query",
    );
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      k: number;
      queries: number;
      configurations: { configuration: string; queries: number; recallAtK: number; mrr: number }[];
      perQuery: { label?: string }[];
    };
    expect(report).toMatchObject({ k: 5, queries: 2 });
    expect(report.configurations.map((c) => c.configuration)).toEqual(["keyword", "hybrid"]);
    expect(report.perQuery).toHaveLength(4);
    expect(report.perQuery[0]?.label).toBe("drink");

    const configurations = [{ mode: SearchMode.KEYWORD }, { mode: SearchMode.HYBRID }];
    const queries = QUERIES.map((q) => ({
      query: q.query,
      expectedKeys: q.expected_keys,
      filter: { subjectId },
    }));
    let summary;
    for await (const m of searchClient(server.baseUrl, server.adminKey).evaluateSearch({
      k: 5,
      configurations,
      queries,
    })) {
      if (m.result.case === "summary") summary = m.result.value;
    }
    expect(report.configurations.map((c) => [c.recallAtK, c.mrr])).toEqual(
      summary?.configurations.map((c) => [c.recallAtK, c.mrr]),
    );

    const table = await evalFile(lines, "--modes", "keyword", "--rerank", "both");
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trim().split("\n");
    expect(header).toMatch(
      /^configuration\s+queries\s+recall@10\s+hit@10\s+MRR\s+nDCG@10\s+p50 ms\s+p95 ms\s+reranked$/,
    );
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual(["keyword", "keyword + rerank"]);

    // Only HYBRID follows the graph, so only HYBRID is named for it.
    const graph = await evalFile(lines, "--modes", "keyword,hybrid", "--rerank", "off", "--graph", "--json");
    const names = (JSON.parse(graph.stdout) as typeof report).configurations.map((c) => c.configuration);
    expect(names).toEqual(["keyword", "hybrid + graph"]);
  });

  it("refuses a file line that is not a labelled query, naming the line, and evaluates nothing", async () => {
    const bad = await evalFile([JSON.stringify(QUERIES[0]), "{not json", ""]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/\.jsonl:2: not JSON/);
    const unknown = await evalFile([JSON.stringify({ query: "q", expected_keyz: ["a"] })]);
    expect(unknown.stderr).toMatch(/\.jsonl:1: not a labelled query/);
    const empty = await evalFile([JSON.stringify({ query: "q" })]);
    expect(empty.stderr).toMatch(/was refused: .*expected_ids, expected_keys or expected_metadata/);
  });
});
