// The Connect transport the scripts share: the server and key from ENGRAM_ADDR and ENGRAM_API_KEY.
import { createConnectTransport } from "@connectrpc/connect-node";

export const transport = createConnectTransport({
  baseUrl: `http://${process.env.ENGRAM_ADDR}`,
  httpVersion: "1.1",
  interceptors: [
    (next) => (req) => {
      req.header.set("authorization", `Bearer ${process.env.ENGRAM_API_KEY}`);
      return next(req);
    },
  ],
});
