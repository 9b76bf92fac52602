import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  StagedWriteSchema,
  StagedWriteState,
  type StagedWrite,
} from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import type { StagedWriteDraft } from "./staged-write.entity.js";

/** A staged write's state as callers see it: a pending one past its expire_time is EXPIRED. */
export function stateOf(row: StagedWriteDraft, now: Date): StagedWriteState {
  if (row.state === "applied") return StagedWriteState.APPLIED;
  if (row.state === "discarded") return StagedWriteState.DISCARDED;
  return row.expireTime <= now ? StagedWriteState.EXPIRED : StagedWriteState.PENDING;
}

/** The message of a row: its body (writes, preview, results) with the columns laid over it. */
export function toProto(row: StagedWriteDraft, now: Date): StagedWrite {
  const body = fromBinary(StagedWriteSchema, row.body);
  return create(StagedWriteSchema, {
    ...body,
    id: row.id,
    workspaceId: row.workspaceId,
    agentId: row.agentId ?? "",
    stagedByKeyId: row.stagedByKeyId,
    state: stateOf(row, now),
    createTime: timestampFromDate(row.createTime),
    expireTime: timestampFromDate(row.expireTime),
    resolveTime:
      row.resolveTime === null || row.resolveTime === undefined ? undefined : timestampFromDate(row.resolveTime),
  });
}

/** What the body column holds: only the parts no column has. */
export function bodyOf(message: Pick<StagedWrite, "requests" | "atomic" | "preview" | "results">): Uint8Array {
  const { requests, atomic, preview, results } = message;
  return toBinary(StagedWriteSchema, create(StagedWriteSchema, { requests, atomic, preview, results }));
}
