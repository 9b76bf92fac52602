import type { Client } from "@connectrpc/connect";
import type { LabeledQuery, QueryEvaluation, SearchService } from "../../../gen/ts/engram/v1/search_service_pb.js";
import type { EvaluateConfigurations } from "./tune-run.js";

/** The most queries EvaluateSearch takes a call (its proto says so). */
const QUERIES_PER_CALL = 500;

/** EvaluateSearch over one workspace's labelled queries, QUERIES_PER_CALL queries a call, each result in its configuration's list. */
export function evaluator(
  client: Client<typeof SearchService>,
  headers: Record<string, string>,
  queries: LabeledQuery[],
  k: number,
  progress: () => void,
): EvaluateConfigurations {
  return async (configurations) => {
    const results = configurations.map((): QueryEvaluation[] => new Array<QueryEvaluation>(queries.length));
    for (let first = 0; first < queries.length; first += QUERIES_PER_CALL) {
      const request = { queries: queries.slice(first, first + QUERIES_PER_CALL), k, configurations };
      let index = 0;
      for await (const { result } of client.evaluateSearch(request, { headers })) {
        if (result.case !== "query") continue;
        // Results come configuration by configuration, each over the call's queries in order.
        const c = Math.floor(index / request.queries.length);
        (results[c] as QueryEvaluation[])[first + result.value.queryIndex] = result.value;
        index += 1;
        progress();
      }
    }
    return results;
  };
}
