import { create } from "@bufbuild/protobuf";
import {
  BatchWriteResultSchema,
  WriteMemoryResponseSchema,
  WriteOutcome,
  type BatchWriteResult,
  type WriteMemoryResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { StagedWrite } from "../../gen/ts/engram/v1/staged_write_service_pb.js";

/**
 * A staged write keeps its writes' answers (preview, results) as they were computed, through
 * the eyes of whoever staged or applied it. Whoever reads it later must see only the memories
 * they may read now (DESIGN 5), so these take every other memory out of the answers.
 */

/** The ids of the stored memories a staged write's answers show (a preview of a new memory has none). */
export function shownMemoryIds(stagedWrites: readonly StagedWrite[]): string[] {
  const ids = new Set<string>();
  for (const { preview, results } of stagedWrites) {
    for (const response of responsesOf([...preview, ...results])) {
      if (response.memory !== undefined && response.memory.id !== "") ids.add(response.memory.id);
      for (const conflict of response.possibleConflicts) {
        if (conflict.memory !== undefined) ids.add(conflict.memory.id);
      }
    }
  }
  return [...ids];
}

/** The staged write with only the memories whose ids are in `readable` left in its answers. */
export function withReadableAnswers(stagedWrite: StagedWrite, readable: ReadonlySet<string>): StagedWrite {
  const keep = (answers: BatchWriteResult[]) => answers.map((answer) => readableAnswer(answer, readable));
  return { ...stagedWrite, preview: keep(stagedWrite.preview), results: keep(stagedWrite.results) };
}

function readableAnswer(answer: BatchWriteResult, readable: ReadonlySet<string>): BatchWriteResult {
  if (answer.result.case !== "response") return answer;
  const response = answer.result.value;
  const conflicts = response.possibleConflicts.filter((c) => c.memory !== undefined && readable.has(c.memory.id));
  const hidden = response.memory !== undefined && response.memory.id !== "" && !readable.has(response.memory.id);
  if (!hidden && conflicts.length === response.possibleConflicts.length) return answer;
  const value: WriteMemoryResponse = create(WriteMemoryResponseSchema, {
    ...response,
    possibleConflicts: conflicts,
    ...(hidden ? { memory: undefined, reason: hiddenReason(response.outcome) } : {}),
  });
  return create(BatchWriteResultSchema, { result: { case: "response", value } });
}

/** The reason named the memory; the reader may not know it exists. */
function hiddenReason(outcome: WriteOutcome): string {
  return `${WriteOutcome[outcome].toLowerCase()}: the memory it wrote is not visible to this caller`;
}

function responsesOf(answers: BatchWriteResult[]): WriteMemoryResponse[] {
  return answers.flatMap((a) => (a.result.case === "response" ? [a.result.value] : []));
}
