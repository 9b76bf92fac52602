import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Presets, SingleBar } from "cli-progress";
import { Command } from "commander";
import { SearchService, type SearchSettingsRevision } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { readLabelledQueries } from "../labelled-queries.js";
import { serverKey, withServerOptions } from "../server-call.js";
import { refusedBy } from "../text-output.js";
import { candidatesOf, type Candidate } from "./settings-grid.js";
import { TUNE_OPTIONS, type TuneOptions } from "./tune-options.js";
import { evaluator } from "./evaluator.js";
import { tune, type TuneResult } from "./tune-run.js";
import { metricName, tuneJson, tuneText } from "./tune-report.js";
import type { ServerCallOptions } from "../server-call.js";

type Options = TuneOptions & ServerCallOptions;

/** `engram tune <file.jsonl>`: search settings chosen by cross-validation on labelled queries, applied when asked. */
export function tuneCommand(): Command {
  const command = new Command("tune")
    .description(
      "choose the workspace's search settings (semantic weight, candidate pool; with --rerank the reranker's) " +
        "by k-fold cross-validation on labelled queries, as engram eval reads them; --apply makes the choice " +
        "the workspace's, only when it beat the current settings held out",
    )
    .argument("<file>", "the labelled queries, one JSON object a line");
  for (const option of TUNE_OPTIONS) command.addOption(option);
  return withServerOptions(command, "a key with the memory:read scope (admin with --apply)").action(
    async (file: string, o: Options) => {
      const queries = await readLabelledQueries(file);
      const apiKey = await serverKey(o);
      const client = createClient(SearchService, createConnectTransport({ baseUrl: o.url, httpVersion: "1.1" }));
      const headers = { authorization: `Bearer ${apiKey}` };
      try {
        // Only an admin key may apply: a reader learns it before the searches, not after them.
        if (o.apply === true) await client.listSearchSettingsRevisions({ pageSize: 1 }, { headers });
        const { current } = await client.getSearchSettings({}, { headers });
        const candidates = candidatesOf(effectiveOf(current), o);
        const result = await withProgress(queries.length * candidates.length, (progress) =>
          tune(evaluator(client, headers, queries, o.k, progress), candidates, o.metric, o.folds),
        );
        const applied = o.apply === true ? await apply(client, headers, current, result, file, o.k) : null;
        if (o.json === true) {
          process.stdout.write(`${JSON.stringify({ ...tuneJson(result, o.k), applied }, null, 2)}\n`);
          return;
        }
        process.stdout.write(tuneText(result, o.k));
        if (o.apply !== true) return;
        process.stdout.write(
          applied === null ? "nothing applied: the settings stay\n" : `applied: search settings revision ${applied}\n`,
        );
      } catch (err) {
        throw refusedBy(`the server at ${o.url}`, err);
      }
    },
  );
}

function effectiveOf(current: SearchSettingsRevision | undefined) {
  const e = current?.effective;
  if (e?.semanticWeight === undefined || e.candidatePool === undefined || e.rerankCandidates === undefined)
    throw new Error("the server did not say its search settings in full");
  return {
    semanticWeight: e.semanticWeight,
    candidatePool: e.candidatePool,
    rerankCandidates: e.rerankCandidates,
    rerankWeight: e.rerankWeight ?? 0,
    rerankByDefault: e.rerankByDefault ?? false,
  };
}

/** The choice as the workspace's new revision, over the settings it had; null when the current settings stay. */
async function apply(
  client: Client<typeof SearchService>,
  headers: Record<string, string>,
  current: SearchSettingsRevision | undefined,
  result: TuneResult,
  file: string,
  k: number,
): Promise<number | null> {
  if (result.cv.chosen === 0) return null;
  const chosen = result.candidates[result.cv.chosen] as Candidate;
  const { cv } = result;
  const reason =
    `engram tune ${file}: held-out ${metricName(result.metric, k)} ${cv.heldOut.toFixed(3)} against ` +
    `${cv.currentHeldOut.toFixed(3)} (${cv.folds.length} folds, ${result.queries} queries)`;
  const { current: applied } = await client.updateSearchSettings(
    {
      settings: { ...current?.settings, ...chosen.tuning, rerankByDefault: chosen.rerank },
      expectedRevision: current?.revision ?? 0,
      reason: reason.slice(0, 1024),
    },
    { headers },
  );
  return applied?.revision ?? null;
}

/** A progress bar on stderr (drawn only on a terminal) while `run` goes. */
async function withProgress<T>(total: number, run: (progress: () => void) => Promise<T>): Promise<T> {
  const bar = new SingleBar(
    { format: "tuning {bar} {value}/{total} searches | {eta_formatted} left", stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  try {
    return await run(() => bar.increment());
  } finally {
    bar.stop();
  }
}
