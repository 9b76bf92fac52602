import type { WriteMemoryRequest } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { viewerFor, type Principal } from "../../auth/principal.js";
import type { WriteEmbedding } from "../../embedding/embeddings.js";
import { requiredField } from "../../errors/domain-error.js";
import type { WriteGuard } from "./guard/write-guard.js";
import { checkValidity, toDraft } from "../mapper.js";
import { rejected, type WriteResult } from "./result.js";
import type { WriteItem } from "./item.js";
import { inSpan } from "../../telemetry/spans.js";

/** Where a request's memory is in the call, for errors: "memory" alone, or "requests[i].memory". */
export type FieldOf = (index: number) => string;

/**
 * What the guard makes of one request: the item to plan, a rejection (an answer, nothing
 * written), or the error it fails with (acting as an agent the key may not, a bad field).
 */
export type Admitted = { item: WriteItem } | { result: WriteResult } | { error: unknown };

export async function admit(
  guard: WriteGuard,
  principal: Principal,
  requests: readonly WriteMemoryRequest[],
  embedded: readonly WriteEmbedding[],
  fieldOf: FieldOf,
  now: Date,
): Promise<Admitted[]> {
  return inSpan("engram.write_guard", { attributes: { "engram.write_guard.items": requests.length } }, async (span) => {
    const out: Admitted[] = [];
    for (const [index, request] of requests.entries()) {
      const vector = embedded[index] ?? null;
      const admitted = admitOne(guard, principal, { index, request, vector, field: fieldOf(index) }, now);
      out.push(await admitted.catch((error: unknown) => ({ error })));
    }
    span?.setAttribute("engram.write_guard.rejected", out.filter((a) => "result" in a).length);
    return out;
  });
}

interface Requested {
  index: number;
  request: WriteMemoryRequest;
  vector: WriteEmbedding;
  field: string;
}

async function admitOne(
  guard: WriteGuard,
  principal: Principal,
  { index, request, vector, field }: Requested,
  now: Date,
): Promise<Admitted> {
  const viewer = viewerFor(principal, request.memory?.agentId ?? "");
  const requested = toDraft(requiredField(request.memory, field), viewer.agentId, { ttl: request.ttl, now }, field);
  checkValidity(requested, now, field);
  const admission = await guard.admit(requested, vector, field);
  if ("rejected" in admission) return { result: rejected(admission.rejected) };
  const { draft, classification } = admission;
  return { item: { index, viewer, request, draft, classification, embedded: vector } };
}
