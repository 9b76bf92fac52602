import { isUtf8 } from "node:buffer";
import { fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { DomainError } from "../errors/domain-error.js";
import { ACCEPTED_COMPRESSIONS } from "./compression.js";
import { toConnectError } from "../errors/status.js";
import { assertRealTimestampsInText } from "../api/json-timestamps.js";
import type { BodyBudget } from "../api/limits.js";
import { BodyTooLarge, IncompleteBody, readBody } from "../api/http/body.js";

/** How a protocol frames its request body, read from the Content-Type. */
interface Framing {
  /** gRPC, gRPC-Web and Connect streaming wrap each message in a 5-byte envelope. */
  enveloped: boolean;
  binary: boolean;
  /** The header that names the body's (or the envelopes') compression. */
  encodingHeader: string;
}

const COMPRESSED_FLAG = 0b1;

/**
 * Reads a request's body, within `maxBytes`, and checks that it decodes before connect-es sees
 * it: connect-es answers INTERNAL for malformed protobuf, though only the client can cause it.
 * Errors thrown from the body stream reach the client as they are, on every protocol. The body
 * is read whole first, which only suits methods whose request is a single message.
 */
export function checkRequestBodies(handler: UniversalHandler, maxBytes: number, budget: BodyBudget): UniversalHandler {
  const { methodKind, input } = handler.method;
  if (methodKind !== "unary" && methodKind !== "server_streaming") return handler;
  const checked = async (req: UniversalServerRequest) => {
    const framing = framingOf(req.header.get("content-type"));
    const body = req.body;
    if (framing === undefined || !isByteStream(body)) return handler(req);
    const metered = budget.meter(body);
    try {
      return await handler({
        ...req,
        body: checkedBody(metered.body, req.header, framing, input, maxBytes, metered.charge),
      });
    } finally {
      metered.release();
    }
  };
  return Object.assign(checked, handler);
}

async function* checkedBody(
  body: AsyncIterable<Uint8Array>,
  header: Headers,
  framing: Framing,
  schema: DescMessage,
  maxBytes: number,
  charge: (bytes: number) => void,
): AsyncIterable<Uint8Array> {
  const bytes = await readBody(header.get("content-length"), body, maxBytes).catch(asReadError(maxBytes));
  const encoding = header.get(framing.encodingHeader);
  const compression = ACCEPTED_COMPRESSIONS.find((c) => c.name === encoding);
  // An unknown encoding is for connect-es to refuse, with the protocol's own error.
  if (compression === undefined && encoding !== null && encoding !== "identity") {
    yield bytes;
    return;
  }
  const messages = framing.enveloped
    ? envelopes(bytes, maxBytes)
    : [{ flags: compression ? COMPRESSED_FLAG : 0, data: bytes }];
  for (const { flags, data } of messages) {
    // Clients send data frames only: end-stream and trailer frames go the other way.
    if (flags & ~COMPRESSED_FLAG) throw malformed(`envelope flags ${flags} are not those of a request message`);
    if (flags & COMPRESSED_FLAG && compression === undefined) {
      throw malformed(`a compressed envelope needs its encoding in ${framing.encodingHeader}`);
    }
    let message = data;
    if (compression && flags & COMPRESSED_FLAG) {
      message = await compression.decompress(data, maxBytes).catch(asReadError(maxBytes));
      // Held twice while the call runs, here and by connect-es, which decompresses again.
      try {
        charge(2 * message.byteLength);
      } catch (err) {
        throw toConnectError(err);
      }
    }
    assertDecodes(message, framing.binary, schema);
  }
  yield bytes;
}

function assertDecodes(message: Uint8Array, binary: boolean, schema: DescMessage): void {
  if (!binary) {
    // connect-es would decode invalid UTF-8 into U+FFFD and store the replacement characters.
    if (!isUtf8(message)) throw malformed("the request body is not valid UTF-8");
    try {
      assertRealTimestampsInText(
        schema,
        Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString(),
      );
    } catch (err) {
      throw toConnectError(err);
    }
    return;
  }
  try {
    fromBinary(schema, message);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw malformed(`the request is not a valid ${schema.typeName}: ${detail}`);
  }
}

/** The envelopes of a body, which must end where its last envelope does. */
function envelopes(bytes: Uint8Array, maxBytes: number): { flags: number; data: Uint8Array }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 5 > bytes.byteLength) throw malformed("the request body ends inside an envelope header");
    const length = view.getUint32(at + 1);
    if (length > maxBytes) throw tooLarge(maxBytes);
    if (at + 5 + length > bytes.byteLength) {
      throw malformed(`an envelope promises ${length} bytes, but only ${bytes.byteLength - at - 5} follow`);
    }
    out.push({ flags: view.getUint8(at), data: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

function framingOf(contentType: string | null): Framing | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  switch (type) {
    case "application/proto":
    case "application/json":
      return { enveloped: false, binary: type === "application/proto", encodingHeader: "content-encoding" };
    case "application/connect+proto":
    case "application/connect+json":
      return { enveloped: true, binary: type.endsWith("proto"), encodingHeader: "connect-content-encoding" };
    case "application/grpc":
    case "application/grpc+proto":
    case "application/grpc+json":
    case "application/grpc-web":
    case "application/grpc-web+proto":
    case "application/grpc-web+json":
      return { enveloped: true, binary: !type.endsWith("json"), encodingHeader: "grpc-encoding" };
    default:
      return undefined;
  }
}

function isByteStream(body: UniversalServerRequest["body"]): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

function malformed(message: string): ConnectError {
  return toConnectError(new DomainError("invalid_argument", "MALFORMED_REQUEST", message));
}

/**
 * Errors while reading, as Connect errors (the body stream runs outside the interceptors): too
 * large is REQUEST_TOO_LARGE, as clients get everywhere else; a broken stream is what broke it.
 */
function asReadError(maxBytes: number) {
  return (err: unknown): never => {
    if (err instanceof DomainError) throw toConnectError(err);
    if (err instanceof BodyTooLarge || ConnectError.from(err).code === Code.ResourceExhausted) throw tooLarge(maxBytes);
    if (err instanceof IncompleteBody) throw err.cause;
    throw err;
  };
}

function tooLarge(maxBytes: number): ConnectError {
  return toConnectError(
    new DomainError("resource_exhausted", "REQUEST_TOO_LARGE", `request bodies are limited to ${maxBytes} bytes`),
  );
}
