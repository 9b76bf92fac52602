import type { WriteMemoryRequest } from "../../gen/ts/engram/v1/memory_service_pb.js";

/**
 * The order in which a batch's items are written: by the natural key or content they lock,
 * so that two batches never hold each other's next lock. Items on the same key keep their
 * request order (the sort is stable), so the last one still wins; so do items sharing a
 * request_id (they sort with its first user), so the first one still owns it.
 */
export function lockOrder(requests: WriteMemoryRequest[]): number[] {
  const firstWithRequestId = new Map<string, number>();
  const lockKeys = requests.map(({ memory: m }) =>
    JSON.stringify([m?.agentId, m?.subjectType, m?.subjectId, m?.kind, m?.key, m?.key ? "" : m?.content]),
  );
  const sortKeys = lockKeys.map((lockKey, i) => {
    const { requestId } = requests[i] ?? {};
    if (requestId === undefined || requestId === "") return lockKey;
    const first = firstWithRequestId.get(requestId) ?? i;
    firstWithRequestId.set(requestId, first);
    return lockKeys[first] ?? lockKey;
  });
  return sortKeys
    .map((key, i) => ({ key, i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ i }) => i);
}
