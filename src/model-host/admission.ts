/** Room held with a model host: a call's, or a reservation's. Releasing it twice releases it once. */
export interface Reservation {
  release(): void;
}

/**
 * The work a model host lets wait, in its user's own units (the reranker counts estimated
 * tokens): a call that would make more than `limit` wait is shed at once rather than queued,
 * and a call that finds nothing waiting is always taken, however large.
 */
export class Admission {
  /** What calls under way, and reservations not yet released, will cost. */
  private held = 0;

  constructor(private readonly limit: number) {}

  /** What is waiting now: calls under way and reservations. */
  get waiting(): number {
    return this.held;
  }

  /** Room for work costing `cost`, counted as waiting until released; null when it would wait too long. */
  hold(cost: number): Reservation | null {
    if (this.held > 0 && this.held + cost > this.limit) return null;
    this.held += cost;
    let held = true;
    return {
      release: () => {
        if (held) this.held -= cost;
        held = false;
      },
    };
  }
}
