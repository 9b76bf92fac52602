/**
 * A value that is costly to compute (a count over a whole table), served from its last
 * computation for `maxAgeMs`. A read of an older value returns it at once and starts one new
 * computation in the background; only the very first read waits. However many readers there
 * are, at most one computation runs at a time and at most one starts per `maxAgeMs`, so what
 * the readers cost the database does not grow with their number or the table's size per read.
 */
export class CountedSnapshot<T> {
  private value: T | undefined;
  private computedAt = -Infinity;
  private running: Promise<void> | null = null;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The last value (undefined while none could be computed yet). */
  async read(): Promise<T | undefined> {
    if (this.now() - this.computedAt >= this.maxAgeMs) {
      const refresh = this.refresh();
      if (this.value === undefined) await refresh;
    }
    return this.value;
  }

  private refresh(): Promise<void> {
    this.running ??= (async () => {
      try {
        const started = this.now();
        this.value = await this.compute();
        this.computedAt = started;
      } catch (err) {
        // The last value stands; the next read after maxAgeMs tries again.
        this.computedAt = this.now();
        this.onError(err);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
