import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { DomainError } from "../../errors/domain-error.js";
import { isCancellation, toConnectError } from "../../errors/status.js";
import { loggableError } from "../../logger.js";

/** Turns whatever a handler throws into a Connect error; unexpected ones are logged, never leaked. */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, logger, req.method.name, req.signal) };
    } catch (err) {
      throw report(err, logger, req.method.name, req.signal);
    }
  };
}

async function* mapStreamErrors<T>(
  stream: AsyncIterable<T>,
  logger: Logger,
  method: string,
  signal: AbortSignal,
): AsyncIterable<T> {
  try {
    yield* stream;
  } catch (err) {
    throw report(err, logger, method, signal);
  }
}

function report(err: unknown, logger: Logger, method: string, signal: AbortSignal) {
  // A client that went away is routine, whatever the handler was doing when it noticed.
  if (isCancellation(err, signal)) {
    logger.debug({ method }, "call cancelled by the client");
    return err instanceof ConnectError
      ? err
      : new ConnectError("call cancelled", Code.Canceled, undefined, undefined, err);
  }
  const connectError = toConnectError(err);
  // Raw errors (not the service's own DomainErrors) are news: a bug, or storage in trouble.
  if (connectError.cause === err && !(err instanceof DomainError)) {
    if (connectError.code === Code.Internal) logger.error({ method, error: loggableError(err) }, "unexpected error");
    else logger.warn({ method, code: Code[connectError.code], error: loggableError(err) }, connectError.rawMessage);
  }
  return connectError;
}
