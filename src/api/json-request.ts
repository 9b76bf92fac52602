import { fromJson, type DescMessage, type JsonObject, type Message } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { assertRealTimestamps } from "./json-timestamps.js";

/**
 * The update mask a REST PATCH body or an MCP update implies: exactly the fields it holds.
 * `fields` is the proto3 JSON of the message being updated, under proto field names.
 */
export function impliedUpdateMask(fields: JsonObject): string {
  return Object.keys(fields).map(protoCamelCase).join(",");
}

/** Why the protobuf JSON decoder refused a request, in terms a caller can act on. */
export interface JsonDecodeFailure {
  /** The decoder's own message ("cannot decode field engram.v1.Memory.confidence from JSON: ..."). */
  message: string;
  /** The proto field it names, when it names one. */
  field: string | undefined;
  /** The message without the decoder's preamble: "cannot take ...". */
  description: string;
}

/**
 * Decodes a request from proto3 JSON, refusing unknown fields and timestamps outside the
 * Timestamp range; a value the decoder cannot take is handed to `refuse`, which throws.
 */
export function decodeJsonRequest(
  desc: DescMessage,
  json: JsonObject,
  refuse: (failure: JsonDecodeFailure) => never,
): Message {
  assertRealTimestamps(desc, json);
  try {
    return fromJson(desc, json, { ignoreUnknownFields: false });
  } catch (err) {
    refuse(decodeFailureOf(err));
  }
}

function decodeFailureOf(err: unknown): JsonDecodeFailure {
  const message = err instanceof Error ? err.message : String(err);
  return {
    message,
    field: /^cannot decode field [\w.]*\.(\w+) from JSON/.exec(message)?.[1],
    description: message.replace(/^cannot decode [^:]+ from JSON: /, "cannot take "),
  };
}
