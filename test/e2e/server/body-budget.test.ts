import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/errors/domain-error.js";
import { BodyBudget } from "../../../src/api/limits.js";

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.byteLength;
  return n;
}

async function* chunks(...sizes: number[]): AsyncIterable<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size);
}

describe("BodyBudget: request-body bytes held by all calls in flight", () => {
  it("refuses the chunk that would pass the capacity, as RESOURCE_EXHAUSTED with a retry delay", async () => {
    const budget = new BodyBudget(100);
    const first = budget.meter(chunks(60));
    expect(await drain(first.body)).toBe(60);
    const second = budget.meter(chunks(30, 30));
    const refused = await drain(second.body).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ kind: "resource_exhausted", reason: "SERVER_BUSY", retryAfterMs: 1000 });
  });

  it("gives back what a finished call held, so later calls fit again", async () => {
    const budget = new BodyBudget(100);
    for (let i = 0; i < 5; i++) {
      const call = budget.meter(chunks(50, 50));
      expect(await drain(call.body)).toBe(100);
      call.release();
    }
    // Releasing twice must not create room that is not there.
    const held = budget.meter(chunks(100));
    await drain(held.body);
    held.release();
    held.release();
    const over = budget.meter(chunks(101));
    await expect(drain(over.body)).rejects.toMatchObject({ reason: "SERVER_BUSY" });
  });
});
