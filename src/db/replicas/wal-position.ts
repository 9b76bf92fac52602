/**
 * Positions in Postgres's write-ahead log (an LSN such as "16/B374D848": two hexadecimal halves
 * of a 64-bit byte offset). A write's consistency token is the position its commit reached; a
 * replica has a write once it has replayed that far.
 */

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** The position an LSN text names, or null when it is not one. */
export function parseWalPosition(text: string): bigint | null {
  const match = LSN.exec(text.trim());
  if (match === null) return null;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The LSN text Postgres itself prints for a position. */
export function formatWalPosition(position: bigint): string {
  const high = (position >> 32n).toString(16).toUpperCase();
  const low = (position & 0xffffffffn).toString(16).toUpperCase();
  return `${high}/${low}`;
}
