/**
 * drainUnreadBody over a real socket: a refusal on a connection that stays open goes out at once,
 * without waiting on the drain's timer; one on a connection the server closes after answering
 * waits until the client's body is read. The drain's timer is faked, so that waiting on it would
 * hang the answer rather than only delay it.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { drainUnreadBody } from "../../../src/api/unread-body.js";

let server: http.Server;
/** Whether the body had been read to its end when the refusal was written, per request. */
const endedAtAnswer: boolean[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    void drainUnreadBody(req).then(() => {
      endedAtAnswer.push(req.readableEnded);
      res.writeHead(413, { "content-length": "0" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
afterEach(() => {
  vi.useRealTimers();
  endedAtAnswer.length = 0;
});

/** Sends a head announcing 64 KiB and the body at once or only after the answer; resolves with the status line. */
function request(connection: string, sendBody: "after the answer" | "at once"): Promise<string> {
  const body = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    const socket = net.connect((server.address() as AddressInfo).port, "127.0.0.1", () => {
      socket.write(`POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nConnection: ${connection}\r\n\r\n`);
      if (sendBody === "at once") socket.write(body);
    });
    socket.once("data", (chunk: Buffer) => {
      if (sendBody === "after the answer") socket.end(body);
      else socket.destroy();
      resolve(chunk.toString("latin1").split("\r\n", 1)[0]!);
    });
    socket.on("error", reject);
  });
}

describe("a request whose body was not read", () => {
  it("is answered at once on a connection that stays open, before any of its body arrives", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    expect(await request("keep-alive", "after the answer")).toBe("HTTP/1.1 413 Payload Too Large");
    expect(endedAtAnswer).toEqual([false]);
  });

  it("is answered once its body is read on a connection the server closes after answering", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    expect(await request("close", "at once")).toBe("HTTP/1.1 413 Payload Too Large");
    expect(endedAtAnswer).toEqual([true]);
  });
});
