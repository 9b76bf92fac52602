/**
 * A failure of the HTTP exchange itself, before or around any RPC: no such route, a method the
 * route does not take, a body too large or of the wrong type, a malformed path. Each family of
 * routes (REST, the seed APIs, MCP) renders it in its own error shape, with this status.
 */
export class HttpError extends Error {
  constructor(
    readonly httpStatus: number,
    /** UPPER_SNAKE, like an ErrorInfo reason: NOT_FOUND, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE. */
    readonly reason: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}
