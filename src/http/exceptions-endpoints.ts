// GET /api/exceptions[?expiring=30d][&org=NAME]: the register of accepted risks (the rows of
// `fixloop exceptions --json`), soonest expiry first.

import { expiringWithin, InvalidWindowError, parseWindow, registerJson } from "../report/exceptions.ts";
import { exceptionRegister } from "../store/exceptions.ts";
import { type JsonValue, sendError, sendJson } from "./respond.ts";
import type { ApiContext } from "./routes.ts";

export async function exceptionsEndpoint(ctx: ApiContext): Promise<void> {
  if (!(await ctx.authenticateGet())) return;
  const q = ctx.url.searchParams;
  let window: number | null = null;
  const expiring = q.get("expiring");
  if (expiring !== null)
    try {
      window = parseWindow(expiring);
    } catch (error) {
      if (error instanceof InvalidWindowError)
        return sendError(ctx.res, 400, error.message.replace("--expiring", "expiring"));
      throw error;
    }
  const org = q.get("org")?.toLowerCase();
  let rows = await exceptionRegister(ctx.deps.store.db);
  if (window !== null) rows = expiringWithin(rows, ctx.now().getTime(), window);
  if (org) rows = rows.filter((r) => r.org?.toLowerCase() === org);
  sendJson(ctx.res, 200, { exceptions: registerJson(rows) as unknown as JsonValue });
}
