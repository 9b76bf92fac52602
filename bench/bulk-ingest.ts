/**
 * Bulk ingest at the embedder's pace (bench/load.ts's bulk-ingest rows): the same texts embedded
 * by the embedder alone in this process, in the calls the server's batcher makes, and written
 * through BatchWriteMemories (100 a call, four in flight) into a store of their own until every
 * memory is ATTACHED. Short texts (about 60 characters) and long ones (about 1,000).
 */
import { performance } from "node:perf_hooks";
import { DEFAULT_BATCHER_OPTIONS } from "../src/embedding/batcher.js";
import { auth, memoryClient } from "./load-client.js";
import { newStore, startServer } from "./load-server.js";
import { random } from "./load-data.js";
import { fixed, table } from "./report.js";

export interface BulkRow {
  texts: string;
  count: number;
  embedderPerSecond: number;
  attachedPerSecond: number;
  /** Seconds until every memory was ATTACHED over seconds the embedder alone took. */
  ratio: number;
}

const WORDS = ["renewal", "pricing", "security", "migration", "onboarding", "contract", "roadmap", "support"];
const NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas"];

/** Distinct texts of about `chars` characters: no two the same, so no vector is reused. */
export function bulkTexts(count: number, chars: number, seed: number): string[] {
  const rand = random(seed);
  const pick = (list: string[]) => list[Math.floor(rand() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    let text = `Note ${i}:`;
    while (text.length < chars) {
      text += ` ${pick(NAMES)} raised ${pick(WORDS)} and ${pick(WORDS)} on call ${Math.floor(rand() * 1000)}.`;
    }
    return text.slice(0, chars);
  });
}

/** Groups texts as the server's batcher does: at most maxBatch a call, maxCallTokens each (padded). */
function batcherCalls(texts: string[]): string[][] {
  const { maxBatch, maxCallTokens } = DEFAULT_BATCHER_OPTIONS;
  const tokens = (t: string) => Math.min(512, Math.ceil(t.length / 4) + 2);
  const calls: string[][] = [];
  let call: string[] = [];
  let longest = 0;
  for (const text of texts) {
    const padded = Math.max(longest, tokens(text)) * (call.length + 1);
    if (call.length > 0 && (call.length === maxBatch || padded > maxCallTokens)) {
      calls.push(call);
      call = [];
      longest = 0;
    }
    call.push(text);
    longest = Math.max(longest, tokens(text));
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/** One row: the embedder alone on `texts`, then the same texts through the API to ATTACHED. */
export async function bulkIngestRow(
  label: string,
  texts: string[],
  embed: (texts: string[]) => Promise<unknown>,
  baseDatabaseUrl: string | undefined,
  adminKey: string,
  progress: (line: string) => void,
): Promise<BulkRow> {
  let started = performance.now();
  for (const call of batcherCalls(texts)) await embed(call);
  const embedderSeconds = (performance.now() - started) / 1000;

  const store = await newStore(baseDatabaseUrl, "engram-bulk-");
  const server = await startServer({ ...store, embedder: "local", adminKey });
  try {
    const client = memoryClient(server);
    const batches = Array.from({ length: Math.ceil(texts.length / 100) }, (_, b) =>
      texts.slice(b * 100, b * 100 + 100),
    );
    started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let b = next++; b < batches.length; b = next++) {
          const requests = batches[b]!.map((content, j) => ({
            memory: { subjectType: "bulk", subjectId: `s-${j % 20}`, kind: "note", key: `k-${b}-${j}`, content },
          }));
          const { results } = await client.batchWriteMemories({ requests }, auth(adminKey));
          if (results.some((r) => r.result.case === "error")) throw new Error(`bulk ingest: batch ${b} failed`);
        }
      }),
    );
    while ((await client.getMemoryStats({}, auth(adminKey))).embeddingBacklog > 0n) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const attachedSeconds = (performance.now() - started) / 1000;
    progress(
      `bulk ingest ${label}: ${fixed(attachedSeconds, 1)} s to ATTACHED, embedder alone ${fixed(embedderSeconds, 1)} s`,
    );
    return {
      texts: label,
      count: texts.length,
      embedderPerSecond: texts.length / embedderSeconds,
      attachedPerSecond: texts.length / attachedSeconds,
      ratio: attachedSeconds / embedderSeconds,
    };
  } finally {
    await server.stop();
    await store.drop();
  }
}

export function bulkTable(rows: BulkRow[]): string {
  return table(
    ["texts", "count", "embedder alone /s", "ATTACHED through the API /s", "time / embedder's"],
    rows.map((r) => [
      r.texts,
      r.count,
      fixed(r.embedderPerSecond, 0),
      fixed(r.attachedPerSecond, 0),
      fixed(r.ratio, 2),
    ]),
  );
}
