/** The most keys remembered: a server's own writers are far fewer; past this the oldest go first. */
const MAX_KEYS = 100_000;

/**
 * Each key's last write on this server, for as long as its own reads should see it without
 * sending the token back. Bounded in time and in keys.
 */
export class RecentWrites {
  private readonly writes = new Map<string, { position: bigint; at: number }>();

  constructor(private readonly windowMs: number) {}

  note(keyId: string, position: bigint, now = Date.now()): void {
    if (this.windowMs <= 0) return;
    const previous = this.writes.get(keyId);
    this.writes.delete(keyId);
    this.writes.set(keyId, {
      position: previous && previous.position > position ? previous.position : position,
      at: now,
    });
    for (const [key, write] of this.writes) {
      if (this.writes.size <= MAX_KEYS && write.at >= now - this.windowMs) break;
      this.writes.delete(key);
    }
  }

  /** The position this key's reads must see, or null when it wrote nothing here lately. */
  positionOf(keyId: string, now = Date.now()): bigint | null {
    const write = this.writes.get(keyId);
    if (write === undefined || write.at < now - this.windowMs) return null;
    return write.position;
  }
}
