// State-changing forms: every POST must come from this site (its Origin, or its Referer when a
// browser sends no Origin, is FIXLOOP_PUBLIC_URL's origin) and carry the session's CSRF token in
// its `csrf` field. Either check failing is a 403 page saying what to do; nothing is changed.

import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { readBody } from "../http/body.ts";
import type { Viewer } from "./contract.ts";

/** Forms here carry a few short fields. */
const FORM_LIMIT_BYTES = 16 * 1024;

export type FormRead =
  | { ok: true; form: URLSearchParams }
  | { ok: false; status: number; title: string; message: string };

const refused = (message: string): FormRead => ({ ok: false, status: 403, title: "Form refused", message });

/** Where the request says it was sent from, when that is not `origin`; null when it is. */
export function crossOrigin(req: IncomingMessage, origin: string): string | null {
  const header = req.headers.origin;
  if (header !== undefined) return header === origin ? null : header;
  const referer = req.headers.referer;
  if (!referer) return "(no Origin or Referer header)";
  try {
    return new URL(referer).origin === origin ? null : new URL(referer).origin;
  } catch {
    return "(an unreadable Referer header)";
  }
}

/** The form's fields once the request is known to come from this site and this session. */
export async function readForm(
  req: IncomingMessage,
  viewer: Viewer | null,
  origin: string,
): Promise<FormRead> {
  const from = crossOrigin(req, origin);
  if (from !== null)
    return refused(
      `This form was sent from ${from}, not from ${origin}. Open the page on ${origin} and send it again.`,
    );
  if (!viewer?.csrfToken) return refused("Your session has ended. Sign in again, then send the form again.");
  const read = await readBody(req, { limitBytes: FORM_LIMIT_BYTES });
  if (!read.ok) return { ok: false, status: read.status, title: "Form refused", message: read.reason };
  const form = new URLSearchParams(read.body.toString("utf8"));
  const given = Buffer.from(form.get("csrf") ?? "");
  const expected = Buffer.from(viewer.csrfToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return refused(
      "This form is out of date (it was opened in an earlier session). Reload the page and send it again.",
    );
  return { ok: true, form };
}
