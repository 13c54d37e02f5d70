// The webhook handlers: each one turns a GitHub event into a call on the store or the caches and
// nothing more, so the logic they reach is tested without Probot.

import type { Probot } from "probot";
import { registerPullRequestReview } from "../review/register.ts";
import { handleComment } from "./comment-commands.ts";
import { registerExceptionsWebhooks } from "./exceptions-webhooks.ts";
import type { AppEnv } from "./probot-env.ts";
import { CONFIG_PATH } from "./probot-env.ts";
import { pullRequestClosed } from "./pull-request-closed.ts";

export function registerWebhooks(app: Probot, env: AppEnv): void {
  registerExceptionsWebhooks(app, env);
  registerPullRequestReview(app, env);
  app.on("pull_request.closed", async (context) => {
    const pr = context.payload.pull_request;
    const merged = pr.merged === true;
    const by = merged && pr.merged_by ? pr.merged_by : context.payload.sender;
    const outcome = await pullRequestClosed(env.store, {
      repository: context.payload.repository.full_name,
      number: pr.number,
      url: pr.html_url,
      merged,
      mergeCommitSha: pr.merge_commit_sha ?? null,
      by: { login: by.login, id: by.id },
    });
    // The merge commit is the default branch's new head: verification reads it without asking git.
    if (merged && pr.merge_commit_sha && pr.base.ref === context.payload.repository.default_branch)
      await env.pushed(
        { owner: context.payload.repository.owner.login, repo: context.payload.repository.name },
        pr.merge_commit_sha,
        false,
      );
    if (outcome.findingIds.length > 0)
      context.log.info(
        { pr: pr.html_url, merged, findings: outcome.findingIds.length, moved: outcome.moved },
        "fixloop PR closed",
      );
  });

  app.on("push", async (context) => {
    const { repository, ref, after, commits } = context.payload;
    if (ref !== `refs/heads/${repository.default_branch}` || !repository.owner) return;
    const touched = (commits ?? []).some((c) =>
      [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_PATH),
    );
    await env.pushed({ owner: repository.owner.login, repo: repository.name }, after, touched);
  });

  app.on(["installation", "installation_repositories"], async (context) => {
    const { installation } = context.payload;
    const account =
      installation.account && "login" in installation.account ? installation.account.login : null;
    const removed =
      "repositories_removed" in context.payload
        ? context.payload.repositories_removed.flatMap((r) =>
            account && r.name ? [{ owner: account, repo: r.name }] : [],
          )
        : [];
    env.installationChanged(installation.id, account, removed);
    context.log.info(
      { installation: installation.id, action: context.payload.action },
      "installation changed",
    );
  });

  app.on("issue_comment.created", async (context) => {
    const { comment, issue, repository, installation } = context.payload;
    if (!installation || !comment.user) return;
    await handleComment(env, {
      deliveryId: context.id,
      repository: { owner: repository.owner.login, repo: repository.name },
      number: issue.number,
      body: comment.body,
      author: { login: comment.user.login, id: comment.user.id, type: comment.user.type ?? "User" },
      installationId: installation.id,
    });
  });
}
