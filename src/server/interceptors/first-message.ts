import type { AnyStream } from "./routed-streams.js";
import { readEach } from "./stream-reads.js";

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
  const message = readEach(res.message, async (next) => {
    try {
      const step = await around(next);
      once(undefined);
      return step;
    } catch (err) {
      once(err);
      throw err;
    }
  });
  return { ...res, message };
}
