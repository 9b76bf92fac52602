import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { LabeledQuerySchema, type LabeledQuery } from "../../gen/ts/engram/v1/search_service_pb.js";

/**
 * A JSON Lines file of labelled queries, one LabeledQuery a line in the API's JSON (`query`,
 * `filter`, `expected_ids`, `expected_keys`, `expected_metadata`, `label`; camelCase works too).
 * Blank lines are skipped; a line that is not one is refused with its number.
 */
export async function readLabelledQueries(path: string): Promise<LabeledQuery[]> {
  const queries: LabeledQuery[] = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === "") continue;
    queries.push(labelledQuery(text, `${path}:${line}`));
  }
  if (queries.length === 0) throw new Error(`${path} holds no labelled queries`);
  return queries;
}

function labelledQuery(text: string, where: string): LabeledQuery {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  try {
    return fromJson(LabeledQuerySchema, json);
  } catch (err) {
    throw new Error(`${where}: not a labelled query: ${(err as Error).message}`, { cause: err });
  }
}
