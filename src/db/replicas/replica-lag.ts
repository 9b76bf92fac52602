/**
 * How far behind the primary a replica is, in time: the primary's log position is sampled on
 * every look, and a replica that has not replayed a sample is as late as that sample is old.
 * A quiet primary writes nothing new, so an idle replica that has everything is never "late".
 */
export class PrimaryPositions {
  private readonly samples: { at: number; position: bigint }[] = [];
  /** Whether older samples were dropped: a replica behind the oldest kept is past the horizon. */
  private trimmed = false;

  constructor(
    /** Samples older than this are dropped: a replica behind all of them is at least this late. */
    private readonly horizonMs: number,
  ) {}

  record(position: bigint, at: number): void {
    const last = this.samples.at(-1);
    if (last !== undefined && last.position >= position) return;
    this.samples.push({ at, position });
    while (this.samples.length > 1 && (this.samples[0]?.at ?? at) < at - this.horizonMs) {
      this.samples.shift();
      this.trimmed = true;
    }
  }

  /** The newest position sampled (0 before any). */
  get latest(): bigint {
    return this.samples.at(-1)?.position ?? 0n;
  }

  /** Milliseconds since the oldest sample the replica has not replayed; 0 when it has them all. */
  lagOf(replayed: bigint, now: number): number {
    const index = this.samples.findIndex((s) => s.position > replayed);
    if (index < 0) return 0;
    const lag = Math.max(0, now - (this.samples[index]?.at ?? now));
    return index === 0 && this.trimmed ? Math.max(lag, this.horizonMs) : lag;
  }
}
