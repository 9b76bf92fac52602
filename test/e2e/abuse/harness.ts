import { expect } from "vitest";
import type { Outcome, Protocol } from "./protocols.js";
import type { ChangeCounter } from "./change-counter.js";
import { h1 } from "./wire.js";

/** One hostile input and what the server must do with it. */
export interface Probe {
  /** What was sent, without the hostile payload itself (it may be 40 MB or unprintable). */
  label: string;
  protocol: Protocol;
  send: () => Promise<Outcome | undefined>;
  /**
   * "reject": any 4xx-class error (or one of `codes`); "accept": must succeed; "either":
   * only the universal rules apply (no 5xx, nothing changed when rejected).
   */
  expect?: "reject" | "accept" | "either";
  codes?: string[];
  /** UNIMPLEMENTED is the protocol's own answer here (an encoding it does not take, a message too many or too few). */
  unimplementedOk?: boolean;
  /** The rejection must carry a google.rpc.ErrorInfo reason (not only a message). */
  errorInfo?: boolean;
  /** Further checks on the outcome (leaks, per-item errors); returns what is wrong, if anything. */
  check?: (outcome: Outcome) => Promise<string | undefined> | string | undefined;
}

/** Server-side failure codes: never the answer to bad input. */
const SERVER_FAULTS = new Set([
  "internal",
  "unknown",
  "data_loss",
  "unavailable",
  "deadline_exceeded",
  "unimplemented",
]);

export interface Counts {
  inputs: number;
  ok: number;
  rejected4xx: number;
  server5xx: number;
  crashes: number;
  noAnswer: number;
  mutatedOnReject: number;
  wrongOutcome: number;
  noReason: number;
}

const zero = (): Counts => ({
  inputs: 0,
  ok: 0,
  rejected4xx: 0,
  server5xx: 0,
  crashes: 0,
  noAnswer: 0,
  mutatedOnReject: 0,
  wrongOutcome: 0,
  noReason: 0,
});

/** Runs probes one at a time, checking the server after each, and keeps the counts of every class. */
export class Harness {
  readonly total = zero();
  readonly byClass = new Map<string, Counts>();

  constructor(
    private readonly port: number,
    private readonly rows: ChangeCounter,
  ) {}

  /** Runs a class of probes; returns one line per probe that broke a rule. */
  async run(name: string, probes: Probe[]): Promise<string[]> {
    const counts = this.byClass.get(name) ?? zero();
    this.byClass.set(name, counts);
    const failures: string[] = [];
    const bump = (key: keyof Counts) => {
      counts[key] += 1;
      this.total[key] += 1;
    };
    let before = await this.rows.changes();
    for (const probe of probes) {
      const t0 = Date.now();
      const outcome = await probe.send();
      if (process.env.ABUSE_TIMING)
        console.log(probe.protocol, probe.label, Date.now() - t0, outcome?.code, outcome?.message);
      // The protocol cannot express this input (a lone surrogate in a query string that URL parsing would clean).
      if (outcome === undefined) continue;
      bump("inputs");
      const where = `${probe.protocol} ${probe.label}`;
      const fail = (key: keyof Counts, why: string) => {
        bump(key);
        failures.push(`${where}: ${why} [${describe(outcome)}]`);
      };

      const after = await this.stillUp();
      if (after === undefined) {
        fail("crashes", "server down afterwards");
        return failures;
      }
      const mutated = after !== before;
      before = after;

      if (outcome.code === "no_answer") {
        fail("noAnswer", "no answer");
        continue;
      }
      const ok = outcome.code === "ok";
      const fault =
        !ok &&
        (SERVER_FAULTS.has(outcome.code) || outcome.code.startsWith("http_5")) &&
        !(probe.unimplementedOk && (outcome.code === "unimplemented" || outcome.httpStatus === 501));
      if (ok) bump("ok");
      else if (fault) fail("server5xx", "server error for bad input");
      else bump("rejected4xx");

      if (!ok && mutated) fail("mutatedOnReject", "rejected, but rows changed");
      if (!ok && !fault) {
        if (outcome.message.trim() === "") fail("noReason", "rejected without a message");
        else if (probe.errorInfo && outcome.reason === undefined && probe.protocol !== "mcp") {
          fail("noReason", "rejected without an ErrorInfo reason");
        }
      }
      const expected = probe.expect ?? "reject";
      if (expected === "accept" && !ok) fail("wrongOutcome", "expected success");
      if (expected === "reject" && ok) fail("wrongOutcome", "expected a rejection, got success");
      const codes = probe.codes;
      const codeExpected =
        codes === undefined ||
        codes.includes(outcome.code) ||
        codes.includes(`http_${outcome.httpStatus}`) ||
        (probe.unimplementedOk === true && outcome.code === "unimplemented");
      if (expected === "reject" && !ok && !fault && !codeExpected) {
        fail("wrongOutcome", `expected ${codes.join(" or ")}`);
      }
      const problem = await probe.check?.(outcome);
      if (problem !== undefined) fail("wrongOutcome", problem);
    }
    return failures;
  }

  /** The count of row changes when the server and its database both still answer. */
  private async stillUp(): Promise<string | undefined> {
    const health = await h1(this.port, { method: "GET", path: "/healthz", headers: {} });
    if (health.kind !== "response" || health.status !== 200) return undefined;
    // The database must answer too (PGlite can abort under a bad enough input).
    return this.rows.changes().catch(() => undefined);
  }

  /** Over every class so far: no 5xx, crash, change on a rejected input or missing answer, in more than `atLeast` inputs. */
  expectHarmless(atLeast: number): void {
    const { server5xx, crashes, mutatedOnReject, noAnswer } = this.total;
    expect({ server5xx, crashes, mutatedOnReject, noAnswer }).toEqual({
      server5xx: 0,
      crashes: 0,
      mutatedOnReject: 0,
      noAnswer: 0,
    });
    expect(this.total.inputs).toBeGreaterThan(atLeast);
  }

  summary(): string {
    return line("abuse", this.total);
  }

  classLines(): string[] {
    return [...this.byClass].map(([name, counts]) => line(`  ${name}`, counts));
  }
}

function line(prefix: string, c: Counts): string {
  return (
    `${prefix}: ${c.inputs} inputs, ${c.ok} ok, ${c.rejected4xx} 4xx, ${c.server5xx} 5xx, ${c.crashes} crashes, ` +
    `${c.mutatedOnReject} mutated-on-reject, ${c.noAnswer} no-answer, ${c.wrongOutcome} wrong-outcome, ${c.noReason} no-reason`
  );
}

function describe(outcome: Outcome): string {
  const message = outcome.message.length > 160 ? `${outcome.message.slice(0, 160)}...` : outcome.message;
  const http = outcome.httpStatus === undefined ? "" : ` http ${outcome.httpStatus}`;
  const reason = outcome.reason === undefined ? "" : ` ${outcome.reason}`;
  return `${outcome.code}${http}${reason}: ${JSON.stringify(message)}`;
}
