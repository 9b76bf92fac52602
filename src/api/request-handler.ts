import type http from "node:http";
import type http2 from "node:http2";

export type HttpRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type HttpResponse = http.ServerResponse | http2.Http2ServerResponse;

/** One HTTP request's handler, over HTTP/1.1 or HTTP/2: what every way into the API is. */
export type RequestHandler = (req: HttpRequest, res: HttpResponse) => void;

/**
 * A handler made on its first request, from a module loaded only then (one that start-up need
 * not wait for). A module that fails to load answers 500, and is tried again on the next request.
 */
export function lazyHandler(load: () => Promise<RequestHandler>, onError: (err: unknown) => void): RequestHandler {
  let handler: Promise<RequestHandler> | undefined;
  return (req, res) => {
    handler ??= load();
    handler.then(
      (handle) => handle(req, res),
      (err: unknown) => {
        handler = undefined;
        onError(err);
        (res as http.ServerResponse).writeHead(500, { "content-type": "text/plain" }).end("internal error\n");
      },
    );
  };
}
