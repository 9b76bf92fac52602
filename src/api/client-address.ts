import { createContextKey } from "@connectrpc/connect";

/** The network address a call came from, for throttling failed authentications per client. */
export const clientAddressKey = createContextKey<string>("", { description: "engram client address" });
