/**
 * When a failed delivery is tried again: 5 s, 30 s, 2 min, 10 min, 30 min, then every hour,
 * each with up to a fifth more at random so that webhooks failing together do not retry
 * together. After DISABLE_AFTER consecutive failures (about a day) the webhook is disabled.
 */
const STEPS_S = [5, 30, 120, 600, 1_800, 3_600];
export const DISABLE_AFTER = 30;

export function retryDelayMs(consecutiveFailures: number, random: () => number = Math.random): number {
  const step = STEPS_S[Math.min(Math.max(consecutiveFailures, 1), STEPS_S.length) - 1] ?? 3_600;
  return Math.round(step * 1000 * (1 + random() / 5));
}
