/**
 * Outgoing webhook notifications: Slack-compatible JSON (`text` plus `blocks`-free attachments are
 * not needed — Slack incoming webhooks and most chat tools accept `{text}`), with the decision in
 * an `rcr` field, signed with HMAC-SHA256 over `<timestamp>.<body>` (the Slack/Stripe scheme):
 *
 *   X-RCR-Timestamp: <unix seconds>
 *   X-RCR-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   X-RCR-Idempotency-Key: <the outbox action's key> (the same on every retry)
 *
 * A receiver recomputes the HMAC with its copy of the secret, compares in constant time and
 * rejects timestamps older than 5 minutes (replay).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signature header value for `body` at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Verifies a signature (for receivers and tests): constant-time comparison, and the timestamp
 * within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhook(
  secret: string,
  timestamp: number,
  body: string,
  signature: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!Number.isFinite(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const want = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Why a webhook delivery failed, and whether it is worth retrying (timeout, 429, 5xx). */
export class WebhookError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'WebhookError';
    this.retryable = retryable;
  }
}

/**
 * POSTs one signed webhook.
 * @throws WebhookError (retryable on timeout, network failure, 429 and 5xx; not on other statuses).
 */
export async function sendWebhook(o: {
  url: string;
  secret: string;
  body: unknown;
  idempotencyKey: string;
  nowMs: number;
  timeoutMs?: number;
}): Promise<{ status: number }> {
  const text = JSON.stringify(o.body);
  const ts = Math.floor(o.nowMs / 1000);
  let res: Response;
  try {
    res = await fetch(o.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-RCR-Timestamp': String(ts),
        'X-RCR-Signature': signWebhook(o.secret, ts, text),
        'X-RCR-Idempotency-Key': o.idempotencyKey,
      },
      body: text,
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    await res.arrayBuffer();
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${o.timeoutMs ?? 10_000} ms`
        : (e.cause?.code ?? e.message ?? String(err));
    throw new WebhookError(`webhook ${displayHost(o.url)}: ${why}`, true);
  }
  if (!res.ok)
    throw new WebhookError(
      `webhook ${displayHost(o.url)} answered HTTP ${res.status}`,
      res.status === 429 || res.status >= 500 || res.status === 408,
    );
  return { status: res.status };
}

/** Host of a URL for messages (no path: webhook paths often hold secrets). */
function displayHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
