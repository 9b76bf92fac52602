import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { WatchMemoriesResponseSchema, type WatchMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { MemoryChange } from "../../gen/ts/engram/v1/memory_pb.js";
import { memoryChangeOf } from "../history/revision.mapper.js";
import { toProto } from "../memory/mapper.js";
import type { LoggedChange } from "./change-log.repository.js";
import { encodeCursor } from "./cursor.js";

/**
 * A change as WatchMemories delivers it: the memory as the change left it, its state judged then;
 * or an erasure's tombstone, the memory's id and nothing else.
 */
export function changeEvent(change: LoggedChange): WatchMemoriesResponse {
  if (change.erased !== undefined) {
    return create(WatchMemoriesResponseSchema, {
      event: {
        case: "change",
        value: {
          cursor: encodeCursor(change.position),
          change: MemoryChange.ERASED,
          changeTime: timestampFromDate(change.erased.time),
          memory: { id: change.erased.memoryId },
        },
      },
    });
  }
  return create(WatchMemoriesResponseSchema, {
    event: {
      case: "change",
      value: {
        cursor: encodeCursor(change.position),
        change: memoryChangeOf(change.change),
        revision: change.record.revision,
        changeTime: timestampFromDate(change.changeTime),
        keyId: change.keyId ?? "",
        agentId: change.agentId ?? "",
        reason: change.reason ?? "",
        memory: toProto(change.record, change.changeTime),
      },
    },
  });
}

export function heartbeat(position: bigint, now: Date): WatchMemoriesResponse {
  return create(WatchMemoriesResponseSchema, {
    event: { case: "heartbeat", value: { cursor: encodeCursor(position), time: timestampFromDate(now) } },
  });
}
