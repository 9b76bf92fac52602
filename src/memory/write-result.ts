import { create } from "@bufbuild/protobuf";
import {
  WriteMemoryResponseSchema,
  WriteOutcome,
  type WriteMemoryResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { toProto } from "./memory-mapper.js";
import type { MemoryRecord } from "./memory-record.js";

/** What one write did (or, for validate_only, would do) and why, in the caller's words. */
export interface WriteResult {
  record: MemoryRecord;
  outcome: "created" | "updated" | "revived" | "merged";
  reason: string;
}

const OUTCOMES = {
  created: WriteOutcome.CREATED,
  updated: WriteOutcome.UPDATED,
  revived: WriteOutcome.REVIVED,
  merged: WriteOutcome.MERGED,
} as const;

export function toWriteResponse({ record, outcome, reason }: WriteResult, now: Date): WriteMemoryResponse {
  return create(WriteMemoryResponseSchema, { memory: toProto(record, now), outcome: OUTCOMES[outcome], reason });
}

export function mergeReason(targetId: string): string {
  return `same content as active memory ${targetId}; merged into it`;
}
