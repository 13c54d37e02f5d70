// Who may see what (README "Dashboard and access"). A finding: whoever can read its repository
// (asked of GitHub with the user's own token) and the members of its organization's securityTeam
// and auditors teams (asked with the app's installation). Organization-wide pages: those two teams.
// Share links: the securityTeam. A share link's viewer sees its one finding or its one period.
// Answers are remembered per session for ACCESS_TTL_MS, so a page listing many findings of one
// repository asks GitHub once.

import type { ShareLink } from "../store/share-links.ts";
import type { FindingScope, Viewer } from "./contract.ts";

export const ACCESS_TTL_MS = 5 * 60_000;

/** The organization's teams that grant access, from its `.github` repository's fixloop.yml. */
export interface OrgTeams {
  installationId: number;
  securityTeam: string | null;
  auditors: string | null;
}

/** What the access rules ask GitHub; the app answers with src/github, tests with a double. */
export interface AccessPort {
  /** null when fixloop is not installed on the organization or its configuration is invalid. */
  orgTeams(org: string): Promise<OrgTeams | null>;
  isTeamMember(installationId: number, team: string, login: string): Promise<boolean>;
  /** Whether the token's user can read `owner/repo`. */
  canRead(token: string, repository: string): Promise<boolean>;
}

interface Roles {
  security: boolean;
  auditor: boolean;
}

/** Remembered answers of one session; an answer older than the TTL is asked again. */
export class AccessCache {
  readonly #entries = new Map<string, { at: number; value: Promise<unknown> }>();
  constructor(readonly now: () => number) {}

  get<T>(key: string, ask: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && this.now() - hit.at < ACCESS_TTL_MS) return hit.value as Promise<T>;
    const value = ask();
    // A failure (GitHub down) is not remembered: the next request asks again.
    value.catch(() => this.#entries.delete(key));
    this.#entries.set(key, { at: this.now(), value });
    return value;
  }
}

const same = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();

export interface UserIdentity {
  login: string;
  token: string;
  csrfToken: string;
}

/** The Viewer of a signed-in user. */
export function userViewer(user: UserIdentity, port: AccessPort, cache: AccessCache): Viewer {
  const roles = (org: string): Promise<Roles> =>
    cache.get(`org:${org.toLowerCase()}`, async () => {
      const teams = await port.orgTeams(org);
      if (!teams) return { security: false, auditor: false };
      const member = (team: string | null) =>
        team ? port.isTeamMember(teams.installationId, team, user.login) : Promise.resolve(false);
      const [security, auditor] = await Promise.all([member(teams.securityTeam), member(teams.auditors)]);
      return { security, auditor };
    });
  const canSeeOrg = async (org: string) => {
    const r = await roles(org);
    return r.security || r.auditor;
  };
  return {
    login: user.login,
    kind: "user",
    csrfToken: user.csrfToken,
    canSeeOrg,
    canShare: async (org) => (await roles(org)).security,
    async canSeeFinding(scope: FindingScope) {
      if (scope.repository) {
        const repository = scope.repository;
        const readable = await cache.get(`repo:${repository.toLowerCase()}`, () =>
          port.canRead(user.token, repository),
        );
        if (readable) return true;
      }
      return scope.org ? canSeeOrg(scope.org) : false;
    },
  };
}

/**
 * The Viewer behind a share link: an auditor pack link sees its organization's period (the pack's
 * page reads the org-wide records, so canSeeOrg answers for that one org); a finding link sees
 * that finding. It never shares, and has no form to post.
 */
export function shareViewer(link: ShareLink): Viewer {
  const pack = link.kind === "auditor-pack";
  return {
    login: `share:${link.id}`,
    kind: "share",
    csrfToken: null,
    canSeeOrg: async (org) => pack && same(org, link.org),
    canShare: async () => false,
    async canSeeFinding(scope) {
      if (!same(scope.org, link.org)) return false;
      if (pack) return true;
      return scope.id === undefined || scope.id === link.findingId;
    },
  };
}
