import type { DescMethod, DescMethodServerStreaming, DescMethodUnary, Message } from "@bufbuild/protobuf";
import type { ContextValues, Transport } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { DomainError } from "../errors/domain-error.js";
import { assertStorable } from "./storable.js";

/** What one call returned: a message, or the stream of a server-streaming method. */
export type CallResult = { header: Headers } & (
  { stream: false; message: Message } | { stream: true; messages: AsyncIterable<Message> }
);

/** Calls any unary or server-streaming method through a transport, for REST and MCP alike. */
export async function callMethod(
  transport: Transport,
  method: DescMethod,
  input: Message,
  headers: Record<string, string> | undefined,
  signal?: AbortSignal,
  contextValues?: ContextValues,
): Promise<CallResult> {
  // Here as well as on the server side: the in-process transport encodes to binary, which
  // would turn a lone surrogate into U+FFFD before any server-side check could see it.
  assertStorable(method.input, input);
  if (method.methodKind === "unary") {
    const response = await transport.unary(method as DescMethodUnary, signal, undefined, headers, input, contextValues);
    return { stream: false, header: response.header, message: response.message };
  }
  if (method.methodKind === "server_streaming") {
    const response = await transport.stream(
      method as DescMethodServerStreaming,
      signal,
      undefined,
      headers,
      createAsyncIterable([input]),
      contextValues,
    );
    return { stream: true, header: response.header, messages: response.message };
  }
  throw new DomainError("unimplemented", "STREAMING_REQUEST", `${method.name} takes a stream of requests`);
}
