// Applying `.github/fixloop-exceptions.yml` when it lands on a default branch: every open finding an
// entry covers becomes `excepted` until the entry's date (an exceptions row with origin "file" and
// reference `owner/repo/.github/fixloop-exceptions.yml#index`), and an exception whose entry was
// removed or changed ends (back into the loop, SLA restarted). An invalid file changes nothing:
// the errors are reported in a failing `fixloop/exceptions` check run on the pushed commit, each
// on its line. A file in the organization's `.github` repository covers every finding of the org.

import { errorsAsMarkdown } from "../config/config-errors.ts";
import {
  EXCEPTIONS_PATH,
  type ExceptionEntry,
  entryMatches,
  parseExceptionsFile,
} from "../config/exceptions-file.ts";
import { type CheckAnnotation, fullName, type Platform, type RepoRef } from "../github/platform.ts";
import { endException, grantException } from "../lifecycle/exceptions.ts";
import { TRANSITIONS } from "../lifecycle/machine.ts";
import {
  type ExceptionCandidate,
  exceptionCandidates,
  type FileException,
  fileExceptions,
} from "../store/exceptions.ts";
import type { Store } from "../store/store.ts";

export const EXCEPTIONS_CHECK = "fixloop/exceptions";

/** Where a file's exceptions point: `owner/repo/.github/fixloop-exceptions.yml#`. */
export const referencePrefix = (r: RepoRef) => `${fullName(r)}/${EXCEPTIONS_PATH}#`;

export const addressesOf = (c: ExceptionCandidate) =>
  [c.resource.terraformAddress, c.resource.arn, c.resource.id, c.resource.name].filter(
    (a): a is string => typeof a === "string" && a.length > 0,
  );

export const matchable = (c: ExceptionCandidate) => ({
  id: c.id,
  ruleNativeId: c.ruleNativeId,
  ruleCatalogId: c.ruleCatalogId,
  addresses: addressesOf(c),
});

export interface ApplyOutcome {
  valid: boolean;
  granted: string[];
  ended: string[];
  /** Covered findings that cannot be excepted where they are (a PR open, being verified…). */
  skipped: Array<{ findingId: string; state: string }>;
}

/** The findings each live entry covers (the first entry naming a finding wins). */
function coverage(
  entries: readonly ExceptionEntry[],
  candidates: readonly ExceptionCandidate[],
  now: number,
) {
  const covered = new Map<string, { entry: ExceptionEntry; candidate: ExceptionCandidate }>();
  for (const entry of entries) {
    if (entry.expiresAt <= now) continue;
    for (const c of candidates)
      if (!covered.has(c.id) && entryMatches(entry, matchable(c))) covered.set(c.id, { entry, candidate: c });
  }
  return covered;
}

const sameGrant = (active: FileException, entry: ExceptionEntry, prefix: string) =>
  active.reference === `${prefix}${entry.index}` &&
  active.expiresAt === entry.expiresAt &&
  active.approvedBy.kind === "github-user" &&
  active.approvedBy.login.toLowerCase() === entry.approvedBy.toLowerCase();

/** Applies a valid file's entries to the store (idempotent: a redelivered push changes nothing). */
export async function applyEntries(
  store: Store,
  repository: RepoRef,
  entries: readonly ExceptionEntry[],
): Promise<ApplyOutcome> {
  const now = store.now();
  const prefix = referencePrefix(repository);
  const scope = repository.repo === ".github" ? null : fullName(repository);
  const covered = coverage(entries, await exceptionCandidates(store.db, repository.owner, scope), now);
  const outcome: ApplyOutcome = { valid: true, granted: [], ended: [], skipped: [] };
  for (const active of await fileExceptions(store.db, prefix)) {
    const still = covered.get(active.findingId);
    if (active.state === "excepted" && still && sameGrant(active, still.entry, prefix)) {
      covered.delete(active.findingId);
      continue;
    }
    if (active.state !== "excepted") continue;
    const why = still ? `its entry in ${EXCEPTIONS_PATH} changed` : `its entry left ${EXCEPTIONS_PATH}`;
    await store.transaction((tx) => endException(tx, active, { endedAt: now, why }, now));
    outcome.ended.push(active.findingId);
  }
  for (const { entry, candidate } of covered.values()) {
    if (!TRANSITIONS[candidate.state as keyof typeof TRANSITIONS]?.includes("excepted")) {
      outcome.skipped.push({ findingId: candidate.id, state: candidate.state });
      continue;
    }
    await grantException(store, {
      findingId: candidate.id,
      reason: entry.reason,
      // The file names a login; GitHub's numeric id is not in it (0: unknown).
      approvedBy: { kind: "github-user", login: entry.approvedBy, id: 0 },
      expiresAt: new Date(entry.expiresAt),
      origin: "file",
      reference: `${prefix}${entry.index}`,
    });
    outcome.granted.push(candidate.id);
  }
  return outcome;
}

/** The check run that refuses an invalid file on the commit that brought it. */
async function reportInvalid(
  platform: Platform,
  repository: RepoRef,
  at: { sha: string; now: number },
  errors: ReturnType<typeof parseExceptionsFile> & { ok: false },
): Promise<void> {
  const { sha, now } = at;
  const annotations: CheckAnnotation[] = errors.errors.map((e) => {
    const line = errors.lines.get(e.path) ?? 1;
    return {
      path: EXCEPTIONS_PATH,
      startLine: line,
      endLine: line,
      level: "failure",
      message: `${e.path || "(whole file)"}: ${e.message}`,
    };
  });
  await platform.createCheckRun(repository, {
    name: EXCEPTIONS_CHECK,
    headSha: sha,
    conclusion: "failure",
    completedAt: new Date(now).toISOString(),
    output: {
      title: `${EXCEPTIONS_PATH} is invalid: nothing was applied`,
      summary: `${errors.errors.length} error${errors.errors.length === 1 ? "" : "s"}; no exception of this file was granted or ended until it is valid.\n\n${errorsAsMarkdown(errors.errors)}`,
      annotations,
    },
  });
}

/** A push to the default branch touched the exceptions file: apply it, or refuse it whole. */
export async function exceptionsFilePushed(
  store: Store,
  platform: Platform,
  repository: RepoRef,
  sha: string,
): Promise<ApplyOutcome> {
  const parsed = parseExceptionsFile(await platform.fileText(repository, EXCEPTIONS_PATH, sha));
  if (!parsed.ok) {
    await reportInvalid(platform, repository, { sha, now: store.now() }, parsed);
    return { valid: false, granted: [], ended: [], skipped: [] };
  }
  return applyEntries(store, repository, parsed.entries);
}
