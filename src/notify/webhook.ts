// The generic signed outbound webhook (for SIEMs and ticketing systems): versioned JSON, signed
// with exactly the scheme fixloop verifies on its own /api (src/http/signature.ts, v2: HMAC-SHA256
// over timestamp, method, path, query and the body's SHA-256), so a receiver can reuse the same
// verifier, and `X-Fixloop-Delivery` (stable across retries) lets it drop a repeat.

import { signRequest } from "../http/signature.ts";
import type { NotificationItem } from "./message.ts";

export const WEBHOOK_VERSION = 1;

export function webhookBody(item: NotificationItem): string {
  return JSON.stringify({
    version: WEBHOOK_VERSION,
    event: item.event,
    at: item.at,
    summary: item.summary,
    link: item.link ?? null,
    teams: item.teams,
    finding: { id: item.findingId, title: item.title, tier: item.tier, repository: item.repository },
  });
}

export function signedWebhookRequest(
  url: string,
  secret: string,
  item: NotificationItem,
  deliveryId: string,
  now: number,
): { url: string; headers: Record<string, string>; body: string } {
  const body = webhookBody(item);
  const u = new URL(url);
  const target = `${u.pathname}${u.search}`;
  const signature = signRequest(secret, { timestamp: Math.floor(now / 1000), method: "POST", target, body });
  return {
    url,
    body,
    headers: { "content-type": "application/json", "x-fixloop-delivery": deliveryId, ...signature },
  };
}
