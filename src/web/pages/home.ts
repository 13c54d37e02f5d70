// The signed-in viewer's start page: the organizations in the store this viewer may look at.

import { htmlText } from "../../evidence/html.ts";
import { storeOrgs } from "../../store/dashboard.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import { orgPath } from "./common.ts";

async function render(request: PageRequest): Promise<PageResult> {
  const orgs: string[] = [];
  for (const org of await storeOrgs(request.store.db))
    if (await request.viewer.canSeeOrg(org)) orgs.push(org);
  const list =
    orgs.length === 0
      ? "<p>You may not see any organization's pages. A finding's page opens from the link fixloop posts on GitHub; organization pages are for the security team and auditors.</p>"
      : `<ul class="orgs">${orgs
          .map(
            (o) =>
              `<li><a href="${htmlText(orgPath(o))}">${htmlText(o)}</a> — <a href="${htmlText(`${orgPath(o)}/trends`)}">trends</a>, <a href="${htmlText(`${orgPath(o)}/exceptions`)}">exceptions</a>, <a href="${htmlText(`${orgPath(o)}/auditor-pack`)}">auditor pack</a></li>`,
          )
          .join("")}</ul>`;
  return { kind: "html", title: "fixloop", body: `<h1>Organizations</h1>${list}` };
}

export const homePage: PageSpec = {
  name: "home",
  pattern: /^\/$/,
  access: "signed-in",
  render,
};
