import { describe, expect, it } from "vitest";
import { CONNECTION_TIMEOUTS } from "./listener.js";

describe("the production connection timeouts", () => {
  it("close an idle or slow client within 30 s, whichever bound it stalls on", () => {
    // A client stalls before its headers, in its body, or between requests: one bound each.
    const { headersMs, requestMs, idleMs } = CONNECTION_TIMEOUTS;
    expect(Math.max(headersMs, requestMs, idleMs)).toBeLessThanOrEqual(30_000);
  });

  it("leave a slow but honest client time to send its headers and its largest body", () => {
    expect(CONNECTION_TIMEOUTS.headersMs).toBeGreaterThanOrEqual(5_000);
    expect(CONNECTION_TIMEOUTS.requestMs).toBeGreaterThanOrEqual(20_000);
  });
});
