// Whether an organization has a team (GET /orgs/{org}/teams/{team_slug}; the app has members:read),
// so that a bare owner like `data-platform` can route a PR to `<org>/data-platform`. Answers are
// cached per installation for a while: a burst of findings for one team costs one request.

import type { GitHub } from "./client.ts";

/** How long an answer (yes or no) is trusted: a team created meanwhile is found within this time. */
export const TEAM_ANSWER_TTL_MS = 10 * 60_000;

/** true / false; undefined when GitHub would not say (403: no permission, or not an organization). */
export async function teamExists(gh: GitHub, org: string, slug: string): Promise<boolean | undefined> {
  try {
    await gh.rest.teams.getByName({ org, team_slug: slug });
    return true;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404) return false;
    if (status === 403) return undefined;
    throw error;
  }
}

/** Team lookups of one process, per installation, each answer kept for TEAM_ANSWER_TTL_MS. */
export class TeamDirectory {
  readonly #answers = new Map<string, { at: number; answer: Promise<boolean | undefined> }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  has(installationId: number, gh: GitHub, org: string, slug: string): Promise<boolean | undefined> {
    const key = `${installationId}:${org.toLowerCase()}/${slug.toLowerCase()}`;
    const cached = this.#answers.get(key);
    if (cached && this.#now() - cached.at < TEAM_ANSWER_TTL_MS) return cached.answer;
    const answer = teamExists(gh, org, slug);
    // A failure (rate limit, 5xx) is not an answer: the next finding asks again.
    answer.catch(() => this.#answers.delete(key));
    this.#answers.set(key, { at: this.#now(), answer });
    return answer;
  }

  /** Forget an installation's answers (it was removed, or its teams changed). */
  forget(installationId: number): void {
    for (const key of this.#answers.keys())
      if (key.startsWith(`${installationId}:`)) this.#answers.delete(key);
  }
}
