import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import type { EntityManager } from "@mikro-orm/sql";
import { readingFrom } from "../../db/replicas/read-route.js";
import { CONSISTENCY_TOKEN_HEADER } from "../../memory/response-headers.js";
import { readEach } from "./stream-reads.js";

export type AnyRequest = UnaryRequest<DescMessage, DescMessage> | StreamRequest<DescMessage, DescMessage>;
export type AnyStream = StreamResponse<DescMessage, DescMessage>;
export type AnyResponse = UnaryResponse<DescMessage, DescMessage> | AnyStream;

/**
 * The request as one that can be sent on more than once (a read rerun on the primary): a
 * server-streaming call's single message is read once and offered afresh to each attempt.
 */
export async function replayable(req: AnyRequest): Promise<() => AnyRequest> {
  if (!req.stream) return () => req;
  const messages: Message[] = [];
  for await (const message of req.message) messages.push(message);
  return () => ({ ...req, message: createAsyncIterable(messages) });
}

/** A stream's messages, each produced with its reads routed to `em` (undefined: the primary). */
export function within(em: EntityManager | undefined, messages: AsyncIterable<Message>): AsyncGenerator<Message> {
  return readEach(messages, (next) => readingFrom(em, next));
}

/**
 * A stream read on a replica; one that fails as a replica fails (`isReplicaFailure`) before its
 * first message is rerun by `fallBack`.
 */
export async function* withFallBack(
  em: EntityManager,
  res: AnyStream,
  isReplicaFailure: (err: unknown) => boolean,
  fallBack: () => Promise<AnyResponse>,
): AsyncGenerator<Message> {
  let sent = false;
  try {
    for await (const message of within(em, res.message)) {
      sent = true;
      yield message;
    }
  } catch (err) {
    if (sent || !isReplicaFailure(err)) throw err;
    const again = await fallBack();
    if (again.stream) yield* again.message;
  }
}

/** A write stream's messages, then its token in the trailer (none when it could not be read). */
export async function* stampedAtEnd(res: AnyStream, stamp: () => Promise<string | null>): AsyncGenerator<Message> {
  yield* res.message;
  const token = await stamp();
  if (token !== null) res.trailer.set(CONSISTENCY_TOKEN_HEADER, token);
}
