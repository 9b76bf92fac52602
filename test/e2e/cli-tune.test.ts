/**
 * `engram tune <file.jsonl>`: candidates run through a live server's EvaluateSearch, chosen by
 * cross-validation, printed as a table or JSON; --apply writes the choice as the workspace's
 * next settings revision (with its held-out figures as the reason) only with an admin key and
 * only when the choice beat the current settings held out.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { EvaluationSummary, SearchSettingsRevision } from "../../gen/ts/engram/v1/search_service_pb.js";
import { memoryClient, searchClient } from "../support/clients.js";
import { runEngram } from "../support/engram-process.js";
import { WordHashEmbedder } from "../support/embedders.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let dir: string;
let file: string;
const subjectId = randomUUID();

/**
 * Each question is mostly common words. Its answer shares only the question's rarer words; its
 * decoy repeats the common ones. Word-hash vectors rank the decoy first, the keyword retriever
 * the answer: a semantic weight of 1 does worse than 0 on every question.
 */
const FACTS = [
  ["what is it that Dana drinks in the morning", "Dana drinks green tea", "what is it that is in the morning"],
  ["what is it that Dana reads on the train", "Dana reads detective novels", "what is it that is on the train"],
  ["where is it that Dana runs in the evening", "Dana runs along the canal", "where is it that is in the evening"],
  ["what is it that Dana cooks on a sunday", "Dana cooks mushroom risotto", "what is it that is on a sunday"],
  ["who is it that Dana calls in the afternoon", "Dana calls her sister Mira", "who is it that is in the afternoon"],
  ["what is it that Dana plays on a friday", "Dana plays the cello", "what is it that is on a friday"],
] as const;

beforeAll(async () => {
  server = await startTestServer({}, { embedder: new WordHashEmbedder() });
  dir = await mkdtemp(join(tmpdir(), "engram-tune-"));
  const client = memoryClient(server.baseUrl, server.adminKey);
  for (const [i, [, answer, decoy]] of FACTS.entries()) {
    for (const [key, content] of [
      [`answer-${i}`, answer],
      [`decoy-${i}`, decoy],
    ]) {
      await client.writeMemory({ memory: { subjectType: "person", subjectId, kind: "note", key, content } });
    }
  }
  file = join(dir, "queries.jsonl");
  const lines = FACTS.map(([query], i) =>
    JSON.stringify({ query, expected_keys: [`answer-${i}`], filter: { subject_id: subjectId } }),
  );
  await writeFile(file, lines.join("\n") + "\n");
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function current(): Promise<SearchSettingsRevision | undefined> {
  return (await searchClient(server.baseUrl, server.adminKey).getSearchSettings({})).current;
}

function tune(key: string, ...flags: string[]) {
  return runEngram([
    "tune",
    file,
    "--url",
    server.baseUrl,
    "--api-key",
    key,
    "--weights",
    "0",
    "--pools",
    "50",
    "--folds",
    "3",
    ...flags,
  ]);
}

describe("engram tune", () => {
  it("compares the current settings with each candidate, as EvaluateSearch scores them, and chooses held out", async () => {
    // The workspace searches by meaning alone: the worst setting for these questions.
    await searchClient(server.baseUrl, server.adminKey).updateSearchSettings({ settings: { semanticWeight: 1 } });
    const out = await tune(server.adminKey, "--json");
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout) as {
      metric: string;
      queries: number;
      candidates: { name: string; mean: number; current: boolean }[];
      folds: { queries: number; chosen: string; heldOut: number; currentHeldOut: number }[];
      heldOut: number;
      currentHeldOut: number;
      chosen: { name: string; changed: boolean; tuning: { semanticWeight: number } };
      applied: number | null;
    };
    expect(report).toMatchObject({ metric: "nDCG@10", queries: FACTS.length, applied: null });
    expect(report.candidates.map((c) => [c.name, c.current])).toEqual([
      ["weight 1, pool 50", true],
      ["weight 0, pool 50", false],
    ]);
    expect(report.folds.map((f) => f.queries)).toEqual([2, 2, 2]);
    expect(report.folds.every((f) => f.chosen === "weight 0, pool 50")).toBe(true);
    expect(report.heldOut).toBeGreaterThan(report.currentHeldOut);
    expect(report.chosen).toMatchObject({ changed: true, tuning: { semanticWeight: 0 } });

    // Each candidate's mean is EvaluateSearch's own nDCG for it.
    const queries = FACTS.map(([query], i) => ({ query, expectedKeys: [`answer-${i}`], filter: { subjectId } }));
    const configurations = [0, 1].map((semanticWeight) => ({
      mode: SearchMode.HYBRID,
      settings: { semanticWeight, candidatePool: 50, rerankCandidates: 40, rerankWeight: 0.8 },
    }));
    let summary: EvaluationSummary | undefined;
    for await (const m of searchClient(server.baseUrl, server.adminKey).evaluateSearch({ queries, configurations })) {
      if (m.result.case === "summary") summary = m.result.value;
    }
    expect(report.candidates[1]?.mean).toBeCloseTo(summary?.configurations[0]?.ndcgAtK ?? -1, 9);
    expect(report.candidates[0]?.mean).toBeCloseTo(summary?.configurations[1]?.ndcgAtK ?? -1, 9);
    // Nothing was applied without --apply.
    expect((await current())?.revision).toBe(1);
  });

  it("prints the folds and the choice as a table", async () => {
    const out = await tune(server.adminKey);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^HYBRID nDCG@10 over 6 labelled queries, each candidate:/);
    expect(out.stdout).toMatch(/3 folds \(query i in fold i mod 3\)/);
    expect(out.stdout).toMatch(/held out: tuned \d\.\d{3}, current \d\.\d{3} \(\+\d\.\d{3}\)/);
    expect(out.stdout).toMatch(/chosen: #1 semantic_weight 0, candidate_pool 50/);
  });

  it("applies the choice only with an admin key, as the next revision with its figures", async () => {
    const reader = await server.createKey({ scopes: ["memory:read"] });
    const refused = await tune(reader, "--apply");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/permission_denied|admin scope/i);
    expect((await current())?.revision).toBe(1);

    const applied = await tune(server.adminKey, "--apply");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/applied: search settings revision 2/);
    const now = await current();
    expect(now?.revision).toBe(2);
    expect(now?.effective?.semanticWeight).toBe(0);
    expect(now?.reason).toMatch(
      /^engram tune .*queries\.jsonl: held-out nDCG@10 \d\.\d{3} against \d\.\d{3} \(3 folds, 6 queries\)$/,
    );

    // Now the current settings are the best: nothing more to apply.
    const again = await tune(server.adminKey, "--apply");
    expect(again.stdout).toMatch(/chosen: the current settings/);
    expect(again.stdout).toMatch(/nothing applied/);
    expect((await current())?.revision).toBe(2);
  });
});
