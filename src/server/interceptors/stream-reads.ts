import type { Message } from "@bufbuild/protobuf";

/** One read of a stream's next message. */
export type StreamRead = () => Promise<IteratorResult<Message>>;

/**
 * A stream's messages, each read through `read` (which runs it where it must run: on a
 * replica's route, in a span), passing on what the source yields or throws. A reader that stops
 * early (a cancelled search) ends the source, the handler's generator, too.
 */
export async function* readEach(
  messages: AsyncIterable<Message>,
  read: (next: StreamRead) => Promise<IteratorResult<Message>>,
): AsyncGenerator<Message> {
  const iterator = messages[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const step = await read(() => iterator.next());
      if (step.done === true) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
