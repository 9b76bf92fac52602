import type { WriteMemoryRequest } from "../../gen/ts/engram/v1/memory_service_pb.js";

/**
 * The order in which a batch's items are written, as [index, request] pairs: by the natural
 * key or content they lock, so that two batches never hold each other's next lock. Items on
 * the same key keep their request order (the sort is stable), so the last one still wins; so
 * do items sharing a request_id (they sort with its first user), so the first one still owns it.
 */
export function lockOrder(requests: WriteMemoryRequest[]): [number, WriteMemoryRequest][] {
  const keyOfRequestId = new Map<string, string>();
  const items = requests.map((request, index) => {
    const m = request.memory;
    let sortKey = JSON.stringify([m?.agentId, m?.subjectType, m?.subjectId, m?.kind, m?.key, m?.key ? "" : m?.content]);
    if (request.requestId !== "") {
      sortKey = keyOfRequestId.get(request.requestId) ?? sortKey;
      keyOfRequestId.set(request.requestId, sortKey);
    }
    return { index, request, sortKey };
  });
  return items
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map(({ index, request }) => [index, request]);
}
