import type http from "node:http";
import type http2 from "node:http2";

/** One HTTP request's handler, over HTTP/1.1 or HTTP/2: what every way into the API is. */
export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;
