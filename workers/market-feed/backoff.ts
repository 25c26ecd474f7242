// Reconnect delays: exponential with full jitter (AWS architecture blog), so many ingesters that lost the
// same feed do not reconnect in lockstep.
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
