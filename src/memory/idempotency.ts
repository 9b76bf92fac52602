import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { createHash } from "node:crypto";
import {
  WriteMemoryRequestSchema,
  WriteMemoryResponseSchema,
  type WriteMemoryRequest,
  type WriteMemoryResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../auth/principal.js";
import { DomainError } from "../errors/domain-error.js";
import { WriteRequestRepository } from "./write-request.repository.js";

/**
 * Runs a write at most once per request_id, inside the caller's transaction: a retry of the
 * same request gets the first response again, while the same id on a different request is
 * ALREADY_EXISTS. Ids are per workspace and acting agent.
 */
export async function writeOnce(
  tem: EntityManager,
  viewer: Viewer,
  req: WriteMemoryRequest,
  now: Date,
  write: () => Promise<WriteMemoryResponse>,
): Promise<WriteMemoryResponse> {
  const ledger = new WriteRequestRepository(tem);
  const key = { workspaceId: viewer.workspaceId, agentScope: viewer.agentId ?? "", requestId: req.requestId };
  const requestHash = createHash("sha256").update(toBinary(WriteMemoryRequestSchema, req)).digest("hex");
  if (!(await ledger.claim(key, requestHash, now))) {
    const prior = await ledger.findRequest(key);
    if (prior?.requestHash !== requestHash) {
      throw new DomainError(
        "already_exists",
        "REQUEST_ID_REUSED",
        `request_id ${req.requestId} was already used for a different request`,
        [{ field: "request_id", description: "already used for a different request" }],
      );
    }
    return fromBinary(WriteMemoryResponseSchema, prior.response ?? new Uint8Array());
  }
  const response = await write();
  await ledger.saveResponse(key, toBinary(WriteMemoryResponseSchema, response));
  return response;
}
