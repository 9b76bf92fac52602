import { toJson } from "@bufbuild/protobuf";
import { SearchMode, GraphExpansion } from "../../gen/ts/engram/v1/memory_service_pb.js";
import {
  QueryEvaluationSchema,
  type QueryEvaluation,
  type SearchConfiguration,
} from "../../gen/ts/engram/v1/search_service_pb.js";
import { totals, type Totals } from "../evaluation/ranking-metrics.js";
import { textTable } from "./text-output.js";

/** Every configuration's totals over all the queries evaluated (in however many calls). */
export interface EvaluationReport {
  k: number;
  queries: number;
  configurations: (Totals & { configuration: string })[];
  perQuery?: unknown[];
}

/** How a configuration reads in a report: "hybrid", "hybrid + rerank", "hybrid + graph". */
export function configurationName(c: SearchConfiguration | undefined): string {
  const mode = SearchMode[c?.mode || SearchMode.HYBRID].toLowerCase();
  const graph = c?.graphExpansion === GraphExpansion.NEIGHBOURS ? " + graph" : "";
  return `${mode}${c?.rerank === true ? " + rerank" : ""}${graph}`;
}

/** The totals of each configuration, in the order they were run, from every query's result. */
export function evaluationReport(
  k: number,
  queries: number,
  results: readonly QueryEvaluation[],
  perQuery: boolean,
): EvaluationReport {
  const byConfiguration = new Map<string, QueryEvaluation[]>();
  for (const r of results) {
    const name = configurationName(r.configuration);
    byConfiguration.set(name, [...(byConfiguration.get(name) ?? []), r]);
  }
  return {
    k,
    queries,
    configurations: [...byConfiguration].map(([configuration, rs]) => ({ configuration, ...totals(rs) })),
    ...(perQuery ? { perQuery: results.map((r) => toJson(QueryEvaluationSchema, r)) } : {}),
  };
}

/** The report as a table: one row per configuration. */
export function reportTable(report: EvaluationReport): string {
  const at = `@${report.k}`;
  const header = [
    "configuration",
    "queries",
    `recall${at}`,
    `hit${at}`,
    "MRR",
    `nDCG${at}`,
    "p50 ms",
    "p95 ms",
    "reranked",
  ];
  const rows = report.configurations.map((c) => [
    c.configuration,
    String(c.queries),
    c.recallAtK.toFixed(3),
    c.hitRateAtK.toFixed(3),
    c.mrr.toFixed(3),
    c.ndcgAtK.toFixed(3),
    c.latencyP50Ms.toFixed(1),
    c.latencyP95Ms.toFixed(1),
    String(c.reranked),
  ]);
  return textTable([header, ...rows], [1, 2, 3, 4, 5, 6, 7, 8]);
}

/** The per-query results as a table: the query, its configuration and figures. */
export function perQueryTable(results: readonly QueryEvaluation[]): string {
  const header = ["query", "label", "configuration", "found", "first rank", "nDCG", "ms"];
  const rows = results.map((r) => [
    String(r.queryIndex),
    r.label,
    configurationName(r.configuration),
    `${r.found}/${r.expected}`,
    r.firstRank === 0 ? "-" : String(r.firstRank),
    r.ndcg.toFixed(3),
    r.latencyMs.toFixed(1),
  ]);
  return textTable([header, ...rows], [0, 3, 4, 5, 6]);
}
