// The webhooks of exceptions written as code: a push to the default branch that touches
// `.github/fixloop-exceptions.yml` applies it (./exceptions-file.ts). A pull request that changes
// it gets the segregation-of-duties check (./exceptions-check.ts) from the one pull_request
// pipeline (src/review/pull-request.ts), which lists the PR's files once for every check.

import type { Probot } from "probot";
import { EXCEPTIONS_PATH } from "../config/exceptions-file.ts";
import { exceptionsFilePushed } from "./exceptions-file.ts";
import type { AppEnv } from "./probot-env.ts";

export function registerExceptionsWebhooks(app: Probot, env: AppEnv): void {
  app.on("push", async (context) => {
    const { repository, ref, after, commits, installation } = context.payload;
    if (ref !== `refs/heads/${repository.default_branch}` || !repository.owner || !installation) return;
    const touched = (commits ?? []).some((c) =>
      [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(EXCEPTIONS_PATH),
    );
    if (!touched) return;
    const target = { owner: repository.owner.login, repo: repository.name };
    const outcome = await exceptionsFilePushed(env.store, await env.platform(installation.id), target, after);
    context.log.info({ repository: repository.full_name, ...outcome }, "exceptions file applied");
  });
}
