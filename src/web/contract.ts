// The dashboard's seams: who is looking (a Viewer, resolved by src/web/auth from a session cookie
// or a share link) and what a page is (a row of PAGES in src/web/pages/registry.ts). Pages never
// read cookies or call GitHub: they ask the Viewer what it may see and read the store.

import type { Store } from "../store/store.ts";

/** What a finding needs to be checked against a viewer's access. */
export interface FindingScope {
  org: string | null;
  /** `owner/repo` the finding was fixed in (or located in), null when none. */
  repository: string | null;
  /** The finding's id: a share link to one finding sees that one (optional: added by web-auth). */
  id?: string;
}

/** The person (or share link) behind a request. Every check answers for this request only. */
export interface Viewer {
  /** A GitHub login, or `share:<id>` for a share link. */
  login: string;
  kind: "user" | "share";
  /** May open organization-wide pages of `org` (member of its securityTeam or auditors team). */
  canSeeOrg(org: string): Promise<boolean>;
  /** May open this finding and its evidence (reads its repository, or may see its org). */
  canSeeFinding(finding: FindingScope): Promise<boolean>;
  /** May create and revoke share links for `org` (member of its securityTeam). */
  canShare(org: string): Promise<boolean>;
  /** The token every state-changing form of this session must carry; null for share links. */
  csrfToken: string | null;
}

/** What a page renders from. */
export interface PageRequest {
  url: URL;
  /** The pattern's capture groups, decoded. */
  params: string[];
  viewer: Viewer;
  store: Store;
  now: () => Date;
}

/**
 * A page's answer. `notFound` is also the answer to a viewer who may not see it: a page never says
 * that something exists to someone who may not see it.
 */
export type PageResult =
  | { kind: "html"; title: string; body: string; status?: number }
  | { kind: "file"; contentType: string; filename: string; body: string }
  | { kind: "notFound" };

export interface PageSpec {
  /** A stable name (logs, tests, share links): "overview", "finding", "auditor-pack"… */
  name: string;
  /** Matched against the URL's path; capture groups become `params`. */
  pattern: RegExp;
  /** Who reaches the page at all: org-wide pages check canSeeOrg(params[0]) before render. */
  access: "org" | "finding" | "signed-in";
  render(request: PageRequest): Promise<PageResult>;
}
