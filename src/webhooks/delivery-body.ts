import { toJson } from "@bufbuild/protobuf";
import { WatchMemoriesResponseSchema } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { MemoryChange } from "../../gen/ts/engram/v1/memory_pb.js";
import type { LoggedChange } from "../feed/change-log.repository.js";
import { changeEvent } from "../feed/feed.mapper.js";
import { ERROR_DETAILS } from "../errors/status.js";

export interface DeliveryMessage {
  /** Standard Webhooks' webhook-id: the same on every attempt, so receivers can drop repeats. */
  messageId: string;
  /** memory.created, memory.updated, memory.deleted, memory.erased, ... */
  eventType: string;
  memoryId: string;
  position: bigint;
  body: string;
}

/** A change as a webhook delivers it: `{type, timestamp, data}`, data being WatchMemories' change event in JSON. */
export function deliveryMessage(webhookId: string, change: LoggedChange): DeliveryMessage {
  const response = changeEvent(change);
  const event = response.event.case === "change" ? response.event.value : undefined;
  const eventType = `memory.${MemoryChange[event?.change ?? MemoryChange.UNSPECIFIED].toLowerCase()}`;
  const json = toJson(WatchMemoriesResponseSchema, response, { registry: ERROR_DETAILS }) as { change?: unknown };
  const timestamp = (change.erased !== undefined ? change.erased.time : change.changeTime).toISOString();
  return {
    messageId: `msg_${webhookId}_${change.position}`,
    eventType,
    memoryId: event?.memory?.id ?? "",
    position: change.position,
    body: JSON.stringify({ type: eventType, timestamp, data: json.change ?? {} }),
  };
}

/** The ping TestWebhook sends. */
export function pingMessage(webhookId: string, now: Date): DeliveryMessage {
  return {
    messageId: `msg_${webhookId}_ping_${now.getTime()}`,
    eventType: "webhook.ping",
    memoryId: "",
    position: -1n,
    body: JSON.stringify({ type: "webhook.ping", timestamp: now.toISOString(), data: { webhook_id: webhookId } }),
  };
}
