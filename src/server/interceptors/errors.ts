import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { toConnectError } from "../errors.js";

/** Turns whatever a handler throws into a Connect error; unexpected ones are logged, never leaked. */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, logger, req.method.name) };
    } catch (err) {
      throw report(err, logger, req.method.name);
    }
  };
}

async function* mapStreamErrors<T>(stream: AsyncIterable<T>, logger: Logger, method: string): AsyncIterable<T> {
  try {
    yield* stream;
  } catch (err) {
    throw report(err, logger, method);
  }
}

function report(err: unknown, logger: Logger, method: string) {
  const connectError = toConnectError(err);
  if (connectError.cause === err && connectError.code === 13) {
    logger.error({ err, method }, "unexpected error");
  }
  return connectError;
}
