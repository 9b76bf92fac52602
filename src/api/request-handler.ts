import type http from "node:http";
import type http2 from "node:http2";

export type HttpRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type HttpResponse = http.ServerResponse | http2.Http2ServerResponse;

/** One HTTP request's handler, over HTTP/1.1 or HTTP/2: what every way into the API is. */
export type RequestHandler = (req: HttpRequest, res: HttpResponse) => void;
