import type { AnyStream } from "./routed-streams.js";

/**
 * A server stream whose handler is a generator (SearchMemories, EvaluateSearch) does its work as
 * it is read, after the interceptors have returned its response. This response calls `settle`
 * once: when the first message is ready, with the error when the stream fails before one
 * (a cancelled call's handler fails with the abort), and with none when it ends empty; so that
 * a call's duration, outcome and span cover the handler's work up to its first message. A
 * stream never read settles never. `around` runs each read (in a span's context, so that the
 * work's statements are the span's children).
 */
export function settledOnFirstMessage(
  res: AnyStream,
  settle: (err: unknown) => void,
  around: <T>(read: () => Promise<T>) => Promise<T> = (read) => read(),
): AnyStream {
  let settled = false;
  const once = (err: unknown) => {
    if (settled) return;
    settled = true;
    settle(err);
  };
  async function* messages() {
    const iterator = res.message[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const step = await around(() => iterator.next()).catch((err: unknown) => {
          done = true;
          once(err);
          throw err;
        });
        once(undefined);
        if (step.done === true) {
          done = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // A reader that stopped early (a cancelled search) ends the handler's generator too.
      if (!done) await iterator.return?.();
    }
  }
  return { ...res, message: messages() };
}
