import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { createHash } from "node:crypto";
import {
  WriteMemoryRequestSchema,
  WriteMemoryResponseSchema,
  type WriteMemoryResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { DomainError } from "../../errors/domain-error.js";
import { WriteRequestRepository, type RequestKey } from "./write-request.repository.js";
import type { WriteItem } from "./item.js";
import { readableResponses } from "./readable-answers.js";
import type { ReadableIds } from "../successors.js";

/** What the ledger says of a batch's items that carry a request_id. */
export interface Claims {
  /** Items whose request_id this batch now owns: their responses are saved after the writes. */
  owned: Map<number, RequestKey>;
  /** Retries of a request already answered: its first response again. */
  answered: Map<number, WriteMemoryResponse>;
  /** A later item of this batch repeating an earlier one's request: it gets that item's answer. */
  sameAs: Map<number, number>;
  /** A request_id already used for a different request. */
  refused: Map<number, DomainError>;
}

/**
 * Each write runs at most once per request_id (AIP-155): per workspace and acting agent, the
 * first request claims the id and its response is kept; a retry of the same request gets that
 * response, the same id on a different request is ALREADY_EXISTS. Ids are claimed in one sorted
 * order, since a claim holds a row of the ledger until commit.
 */
export async function claimRequestIds(tem: EntityManager, items: readonly WriteItem[], now: Date): Promise<Claims> {
  const claims: Claims = { owned: new Map(), answered: new Map(), sameAs: new Map(), refused: new Map() };
  const first = new Map<string, { index: number; hash: string }>();
  const owners: { index: number; key: RequestKey; hash: string; sortKey: string }[] = [];
  for (const item of items) {
    if (item.request.requestId === "" || item.request.validateOnly) continue;
    const key = {
      workspaceId: item.viewer.workspaceId,
      agentScope: item.viewer.agentId ?? "",
      requestId: item.request.requestId,
    };
    const sortKey = JSON.stringify([key.agentScope, key.requestId]);
    const hash = createHash("sha256").update(toBinary(WriteMemoryRequestSchema, item.request)).digest("hex");
    const earlier = first.get(sortKey);
    if (earlier === undefined) {
      first.set(sortKey, { index: item.index, hash });
      owners.push({ index: item.index, key, hash, sortKey });
    } else if (earlier.hash === hash) claims.sameAs.set(item.index, earlier.index);
    else claims.refused.set(item.index, reused(key.requestId));
  }
  owners.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  const ledger = new WriteRequestRepository(tem);
  for (const { index, key, hash } of owners) {
    if (await ledger.claim({ key, requestHash: hash, now })) {
      claims.owned.set(index, key);
      continue;
    }
    const prior = await ledger.findRequest(key);
    if (prior?.requestHash !== hash) claims.refused.set(index, reused(key.requestId));
    else claims.answered.set(index, fromBinary(WriteMemoryResponseSchema, prior.response ?? new Uint8Array()));
  }
  return claims;
}

/**
 * Keeps the responses of the requests this batch claimed, for their retries; a claim whose
 * write failed is given up, so that a retry runs it.
 */
export async function settleClaims(
  tem: EntityManager,
  owned: ReadonlyMap<number, RequestKey>,
  responses: ReadonlyMap<number, WriteMemoryResponse>,
): Promise<void> {
  const ledger = new WriteRequestRepository(tem);
  for (const [index, key] of owned) {
    const response = responses.get(index);
    if (response === undefined) await ledger.release(key);
    else await ledger.saveResponse(key, toBinary(WriteMemoryResponseSchema, response));
  }
}

/**
 * Retries answered from the ledger as each retrier may see them now: the first answer was made
 * for its first writer (an admin's shows memories an agent's key may not read), and memories
 * may have become private since.
 */
export async function readableReplays(
  claims: Claims,
  items: readonly WriteItem[],
  readableIds: ReadableIds,
): Promise<void> {
  for (const item of items) {
    const response = claims.answered.get(item.index);
    if (response === undefined) continue;
    const [shown] = await readableResponses(item.viewer, [response], readableIds);
    if (shown !== undefined) claims.answered.set(item.index, shown);
  }
}

function reused(requestId: string): DomainError {
  return new DomainError(
    "already_exists",
    "REQUEST_ID_REUSED",
    `request_id ${requestId} was already used for a different request`,
    [{ field: "request_id", description: "already used for a different request" }],
  );
}
