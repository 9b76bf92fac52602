/**
 * grpc.health.v1.Health for Engram.
 *
 * The server has a single readiness signal (`isServing`, e.g. "the database
 * answers"), so every known service shares it: the overall status ("") and
 * each served service name report the same SERVING / NOT_SERVING value.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";

export interface HealthServiceOptions {
  /** How often `watch` re-evaluates `isServing`. Defaults to 1000 ms. */
  pollIntervalMs?: number;
}

/**
 * @param isServing readiness probe; a rejected promise or thrown error counts
 *   as NOT_SERVING, because a probe that cannot answer is not a healthy probe.
 * @param servedNames fully-qualified service names (e.g.
 *   "engram.v1.MemoryService") that clients may ask about besides "".
 */
export function healthService(
  isServing: () => Promise<boolean> | boolean,
  servedNames: readonly string[] = [],
  options: HealthServiceOptions = {},
): ServiceImpl<typeof Health> {
  const known = new Set<string>(["", ...servedNames]);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;

  async function currentStatus(): Promise<ServingStatus> {
    try {
      return (await isServing()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    } catch {
      return ServingStatus.NOT_SERVING;
    }
  }

  return {
    async check(req) {
      if (!known.has(req.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      }
      return { status: await currentStatus() };
    },

    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        // The spec asks us not to fail the call here: report SERVICE_UNKNOWN and
        // keep the stream open. Our set of names is fixed, so nothing more will
        // follow; we simply hold the stream until the client goes away.
        yield { status: ServingStatus.SERVICE_UNKNOWN };
        await untilAborted(ctx.signal);
        return;
      }
      let last: ServingStatus | undefined;
      do {
        const status = await currentStatus();
        // Only changes are news to a watcher; repeating SERVING every second
        // would just be noise on the wire.
        if (status !== last) {
          last = status;
          yield { status };
        }
      } while (await abortableSleep(pollIntervalMs, ctx.signal));
    },

    async list() {
      const status = await currentStatus();
      const statuses: Record<string, { status: ServingStatus }> = {};
      for (const name of known) statuses[name] = { status };
      return { statuses };
    },
  };
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
async function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
