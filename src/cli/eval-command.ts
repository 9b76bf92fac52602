import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Presets, SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import { z } from "zod";
import { GraphExpansion, SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import {
  SearchConfigurationSchema,
  SearchService,
  type LabeledQuery,
  type QueryEvaluation,
  type SearchConfiguration,
} from "../../gen/ts/engram/v1/search_service_pb.js";
import { argParser, wholeNumber } from "../option-parsers.js";
import { evaluationReport, perQueryTable, reportTable } from "./evaluation-report.js";
import { readLabelledQueries } from "./labelled-queries.js";
import { serverKey, withServerOptions, type ServerCallOptions } from "./server-call.js";
import { refusedBy } from "./text-output.js";

interface EvalOptions extends ServerCallOptions {
  k: number;
  modes: SearchMode[];
  rerank: "off" | "on" | "both";
  graph?: boolean;
  json?: boolean;
  perQuery?: boolean;
}

/** The most queries EvaluateSearch takes a call (its proto says so): a longer file goes in several. */
const QUERIES_PER_CALL = 500;

const MODES: Record<string, SearchMode> = {
  keyword: SearchMode.KEYWORD,
  semantic: SearchMode.SEMANTIC,
  hybrid: SearchMode.HYBRID,
};

const modeList = argParser(
  z
    .string()
    .transform((value) => value.split(",").map((mode) => mode.trim().toLowerCase()))
    .pipe(z.array(z.enum(["keyword", "semantic", "hybrid"], { error: "modes are keyword, semantic, hybrid" })).min(1))
    .transform((modes) => [...new Set(modes)].map((mode) => MODES[mode] as SearchMode)),
);

/** `engram eval <file.jsonl>`: SearchService.EvaluateSearch on a file of labelled queries, with totals per configuration. */
export function evalCommand(): Command {
  const command = new Command("eval")
    .description(
      "measure search on labelled queries (JSON Lines: query, filter, expected_ids / expected_keys / " +
        "expected_metadata, label): recall@k, hit rate, MRR, nDCG@k and latency for each mode, without and " +
        "with rerank. Nothing is written",
    )
    .argument("<file>", "the labelled queries, one JSON object a line")
    .addOption(
      new Option("--k <n>", "results read per search (1-100)").default(10).argParser(argParser(wholeNumber(1, 100))),
    )
    .addOption(
      new Option("--modes <modes>", "modes to compare, comma-separated")
        .default([SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID], "keyword,semantic,hybrid")
        .argParser(modeList),
    )
    .addOption(
      new Option("--rerank <when>", "each mode without rerank, with it, or both")
        .choices(["off", "on", "both"])
        .default("both"),
    )
    .option("--graph", "HYBRID with graph expansion (decision 0026)")
    .option("--json", "print the report as JSON")
    .option("--per-query", "also report every query's figures");
  return withServerOptions(command, "a key with the memory:read scope")
    .addHelpText(
      "after",
      '\nA line of the file:\n  {"query": "what does Dana drink?", "expected_keys": ["tea"], "filter": {"subject_id": "dana"}}\n',
    )
    .action(async (file: string, o: EvalOptions) => {
      const queries = await readLabelledQueries(file);
      const configurations = configurationsOf(o);
      const results = await evaluateAll(o, await serverKey(o), queries, configurations);
      const report = evaluationReport(o.k, queries.length, results, o.perQuery === true);
      if (o.json === true) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      process.stdout.write(reportTable(report));
      if (o.perQuery === true) process.stdout.write(`\n${perQueryTable(results)}`);
    });
}

function configurationsOf(o: EvalOptions): SearchConfiguration[] {
  const reranks = o.rerank === "both" ? [false, true] : [o.rerank === "on"];
  // Only HYBRID follows the graph (KEYWORD and SEMANTIC ignore it), so only HYBRID is named for it.
  const graphOf = (mode: SearchMode) =>
    o.graph === true && mode === SearchMode.HYBRID ? GraphExpansion.NEIGHBOURS : GraphExpansion.UNSPECIFIED;
  return o.modes.flatMap((mode) =>
    reranks.map((rerank) => create(SearchConfigurationSchema, { mode, rerank, graphExpansion: graphOf(mode) })),
  );
}

/** Every query's result in every configuration, QUERIES_PER_CALL queries a call, with a progress bar on a terminal. */
async function evaluateAll(
  o: EvalOptions,
  apiKey: string,
  queries: LabeledQuery[],
  configurations: SearchConfiguration[],
): Promise<QueryEvaluation[]> {
  const client = createClient(SearchService, createConnectTransport({ baseUrl: o.url, httpVersion: "1.1" }));
  const headers = { authorization: `Bearer ${apiKey}` };
  // On stderr; cli-progress draws nothing when it is not a terminal, so piped output stays clean.
  const bar = new SingleBar(
    { format: "evaluating {bar} {value}/{total} searches | {eta_formatted} left", stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(queries.length * configurations.length, 0);
  const results: QueryEvaluation[] = [];
  try {
    for (let first = 0; first < queries.length; first += QUERIES_PER_CALL) {
      const request = { queries: queries.slice(first, first + QUERIES_PER_CALL), k: o.k, configurations };
      for await (const { result } of client.evaluateSearch(request, { headers })) {
        if (result.case !== "query") continue;
        // Numbered across the calls, as the file's queries are.
        results.push({ ...result.value, queryIndex: result.value.queryIndex + first });
        bar.increment();
      }
    }
  } catch (err) {
    throw refusedBy(`the server at ${o.url}`, err);
  } finally {
    bar.stop();
  }
  return results;
}
