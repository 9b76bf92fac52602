import { Code, ConnectError } from "@connectrpc/connect";

/** How a call ended: "OK", or the Connect code's name ("NotFound"). */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return Code[ConnectError.from(err).code];
  }
}
