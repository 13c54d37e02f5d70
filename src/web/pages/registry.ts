// Every page of the dashboard, one row each (the HTTP handler in src/web matches the URL path on
// `pattern`, enforces `access`, and wraps the body in the page shell), and the files it serves
// under /assets/<name>. The paths are a contract with share links and the "Verified" comment.

import type { PageSpec } from "../contract.ts";
import { auditorPackPage } from "./auditor-pack.ts";
import { exceptionsPage } from "./exceptions.ts";
import { findingPage } from "./finding.ts";
import { homePage } from "./home.ts";
import { overviewPage } from "./overview.ts";
import { DASHBOARD_CSS } from "./stylesheet.ts";
import { teamPage } from "./team.ts";
import { trendsPage } from "./trends.ts";
import { tuningPage } from "./tuning.ts";

export const PAGES: readonly PageSpec[] = [
  homePage,
  overviewPage,
  trendsPage,
  teamPage,
  findingPage,
  exceptionsPage,
  tuningPage,
  auditorPackPage,
];

export const ASSETS: Record<string, { contentType: string; body: string }> = {
  "dashboard.css": { contentType: "text/css; charset=utf-8", body: DASHBOARD_CSS },
};
