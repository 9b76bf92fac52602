import { create } from "@bufbuild/protobuf";
import { WriteMemoryRequestSchema, type WriteMemoryRequest } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteState } from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { viewerFor, type Principal } from "../auth/principal.js";
import { DomainError, invalidArgument } from "../errors/domain-error.js";
import type { StagedWriteDraft } from "./staged-write.entity.js";
import { stateOf } from "./staged-write.mapper.js";
import type { StagedWriteReader } from "./staged-write.repository.js";

/**
 * The writes to stage, each naming the agent it acts as, so that applying it later (by an
 * admin, say) writes as that agent. validate_only has no meaning here: staging is the dry run.
 */
export function stagedRequests(principal: Principal, requests: WriteMemoryRequest[]): WriteMemoryRequest[] {
  return requests.map((r, i) => {
    if (r.validateOnly) {
      throw invalidArgument(
        `requests[${i}].validate_only`,
        "VALIDATE_ONLY_STAGED",
        "validate_only has no meaning in a staged write: staging is the dry run, and its preview says what the write would do",
      );
    }
    const agentId = viewerFor(principal, r.memory?.agentId ?? "").agentId ?? "";
    return create(WriteMemoryRequestSchema, { ...r, memory: r.memory && { ...r.memory, agentId } });
  });
}

/** Every agent the writes act as, once each (what decides who may read the staged write). */
export function agentsOf(requests: WriteMemoryRequest[]): string[] {
  return [...new Set(requests.map((r) => r.memory?.agentId ?? "").filter((a) => a !== ""))];
}

/**
 * Refuses to apply or discard a staged write the reader may see but not resolve, or one no
 * longer pending. Resolving takes what changing a memory takes (visibility.ts): the one agent
 * its writes act as, or an admin; one acting as no agent or several, the key that staged it or
 * an admin.
 */
export function assertResolvable(row: StagedWriteDraft, { viewer, keyId }: StagedWriteReader, now: Date): void {
  const mayResolve =
    viewer.admin || (row.agentId === null ? row.stagedByKeyId === keyId : row.agentId === viewer.agentId);
  if (!mayResolve) {
    throw new DomainError(
      "permission_denied",
      "NOT_OWNER",
      `staged write ${row.id} was staged by another key; only it or an admin key may apply or discard it`,
    );
  }
  const state = stateOf(row, now);
  if (state !== StagedWriteState.PENDING) {
    const word =
      state === StagedWriteState.APPLIED ? "applied" : state === StagedWriteState.DISCARDED ? "discarded" : "expired";
    throw new DomainError(
      "failed_precondition",
      `STAGED_WRITE_${word.toUpperCase()}`,
      `staged write ${row.id} is ${word}; only a pending staged write can be applied or discarded`,
    );
  }
}
