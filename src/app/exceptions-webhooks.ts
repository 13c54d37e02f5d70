// The webhooks of exceptions written as code: a push to the default branch that touches
// `.github/fixloop-exceptions.yml` applies it (./exceptions-file.ts); a pull request that changes
// it gets the segregation-of-duties check (./exceptions-check.ts). Kept apart from the other
// pull_request handlers, registered by one line in ./webhooks.ts.

import type { Probot } from "probot";
import { EXCEPTIONS_PATH } from "../config/exceptions-file.ts";
import { checkExceptionsPullRequest } from "./exceptions-check.ts";
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

  app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], async (context) => {
    const { pull_request: pr, repository, installation } = context.payload;
    if (!installation || !pr.user) return;
    const target = { owner: repository.owner.login, repo: repository.name };
    const config = await env.repoConfig(installation.id, target);
    if (!config.ok) return;
    const platform = await env.platform(installation.id);
    const pull = {
      repository: target,
      number: pr.number,
      author: pr.user.login,
      headSha: pr.head.sha,
      baseSha: pr.base.sha,
    };
    const result = await checkExceptionsPullRequest(env.store, platform, config.config, pull);
    if (result !== "unchanged") context.log.info({ pr: pr.html_url, result }, "exceptions file checked");
  });
}
