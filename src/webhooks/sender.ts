import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";

export interface Attempt {
  /** The receiver's status; 0 when none came. */
  statusCode: number;
  outcome: "delivered" | "failed" | "timed_out" | "refused";
  error: string;
  durationMs: number;
}

/** How much of a receiver's answer is read: enough to tell it ended, never its whole body. */
const ANSWER_BYTES = 4_096;

/**
 * POSTs `body` to `url`, connecting to `address` (the one the URL policy checked, not a later
 * DNS answer), and settles within `timeoutMs` whatever the receiver does. 2xx is delivered.
 */
export function post(
  url: URL,
  address: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Attempt> {
  const started = performance.now();
  const family = isIP(address) === 6 ? 6 : 4;
  const client = url.protocol === "https:" ? https : http;
  return new Promise<Attempt>((resolve) => {
    const done = (attempt: Omit<Attempt, "durationMs">) =>
      resolve({ ...attempt, durationMs: Math.round(performance.now() - started) });
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
          else (callback as (err: null, address: string, family: number) => void)(null, address, family);
        },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > ANSWER_BYTES) response.destroy();
        });
        const statusCode = response.statusCode ?? 0;
        const settle = () =>
          done({
            statusCode,
            outcome: statusCode >= 200 && statusCode < 300 ? "delivered" : "failed",
            error: statusCode >= 200 && statusCode < 300 ? "" : `the receiver answered ${statusCode}`,
          });
        response.once("end", settle);
        response.once("close", settle);
      },
    );
    request.once("error", (err: NodeJS.ErrnoException) => {
      if (err.name === "AbortError" || err.name === "TimeoutError") {
        done({ statusCode: 0, outcome: "timed_out", error: `no answer within ${timeoutMs} ms` });
      } else {
        done({ statusCode: 0, outcome: "refused", error: err.code ?? err.name });
      }
    });
    request.end(body);
  });
}
