import { create } from "@bufbuild/protobuf";
import { Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import {
  BatchWriteResultSchema,
  WriteMemoryResponseSchema,
  WriteOutcome,
  type BatchWriteResult,
  type WriteMemoryResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../../auth/principal.js";
import type { ReadableIds } from "../successors.js";

/**
 * Write answers kept for later (a staged write's preview and results, a request_id's first
 * response) show memories as they were, through the eyes of whoever wrote. Whoever reads them
 * later sees only the memories it may read now and could read as the answer shows them
 * (DESIGN 5): every other memory, and every id of one, is taken out.
 */
export async function readableAnswers(
  viewer: Viewer,
  lists: readonly (readonly BatchWriteResult[])[],
  readableIds: ReadableIds,
): Promise<BatchWriteResult[][]> {
  const responses = lists.flat().flatMap((a) => (a.result.case === "response" ? [a.result.value] : []));
  // One question for every list: a page of staged writes asks once.
  const shown = await readableResponses(viewer, responses, readableIds);
  const byOriginal = new Map(responses.map((r, i) => [r, shown[i] ?? r]));
  return lists.map((answers) =>
    answers.map((answer) => {
      if (answer.result.case !== "response") return answer;
      const value = byOriginal.get(answer.result.value) ?? answer.result.value;
      return value === answer.result.value
        ? answer
        : create(BatchWriteResultSchema, { result: { case: "response", value } });
    }),
  );
}

/** The responses as the viewer may see them, in order. */
export async function readableResponses(
  viewer: Viewer,
  responses: readonly WriteMemoryResponse[],
  readableIds: ReadableIds,
): Promise<WriteMemoryResponse[]> {
  const ids = shownIds(responses);
  const readable = ids.length === 0 ? new Set<string>() : await readableIds(viewer, ids);
  const mayRead = (memory: Memory | undefined) =>
    memory !== undefined && readable.has(memory.id) && couldRead(viewer, memory);
  return responses.map((response) => readableResponse(response, mayRead, (id) => readable.has(id)));
}

/** The read rule on a memory as an answer shows it (its owner and visibility then). */
function couldRead(viewer: Viewer, memory: Memory): boolean {
  return (
    viewer.admin ||
    memory.visibility === Visibility.SHARED ||
    memory.agentId === "" ||
    memory.agentId === viewer.agentId
  );
}

/** The ids of the stored memories the answers show (a preview of a new memory has none). */
function shownIds(responses: readonly WriteMemoryResponse[]): string[] {
  const ids = new Set<string>();
  for (const response of responses) {
    if (response.memory !== undefined && response.memory.id !== "") ids.add(response.memory.id);
    for (const conflict of response.possibleConflicts) if (conflict.memory !== undefined) ids.add(conflict.memory.id);
    for (const id of response.superseded) ids.add(id);
  }
  return [...ids];
}

function readableResponse(
  response: WriteMemoryResponse,
  mayRead: (memory: Memory | undefined) => boolean,
  mayName: (id: string) => boolean,
): WriteMemoryResponse {
  const conflicts = response.possibleConflicts.filter((c) => mayRead(c.memory));
  const superseded = response.superseded.filter(mayName);
  const hidden = response.memory !== undefined && response.memory.id !== "" && !mayRead(response.memory);
  const unchanged =
    !hidden &&
    conflicts.length === response.possibleConflicts.length &&
    superseded.length === response.superseded.length;
  if (unchanged) return response;
  return create(WriteMemoryResponseSchema, {
    ...response,
    possibleConflicts: conflicts,
    superseded,
    ...(hidden ? { memory: undefined, reason: hiddenReason(response.outcome) } : {}),
  });
}

/** The reason named the memory; the reader may not know it exists. */
function hiddenReason(outcome: WriteOutcome): string {
  return `${WriteOutcome[outcome].toLowerCase()}: the memory it wrote is not visible to this caller`;
}
