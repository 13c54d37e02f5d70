// The pull_request webhooks of the review features (associated findings, the PR scan check run),
// kept out of src/app/webhooks.ts so they change without touching the other handlers.

import type { Probot } from "probot";
import { closeAssociatedPr } from "../store/associated-prs.ts";
import type { ReviewEnv } from "./env.ts";
import { onPullRequest } from "./pull-request.ts";

export function registerPullRequestReview(app: Probot, env: ReviewEnv): void {
  app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], async (context) => {
    const { pull_request: pr, repository, installation } = context.payload;
    if (!repository.owner) return;
    const outcome = await onPullRequest(env, {
      deliveryId: context.id,
      installationId: installation?.id ?? null,
      repository: { owner: repository.owner.login, repo: repository.name },
      number: pr.number,
      headSha: pr.head.sha,
      baseSha: pr.base.sha,
      author: { login: pr.user?.login ?? "", type: pr.user?.type ?? "User" },
      body: pr.body ?? null,
      labels: (pr.labels ?? []).map((l) => l.name),
    });
    if (outcome.kind === "reviewed" && outcome.associated.kind === "updated")
      context.log.info(
        { pr: pr.html_url, findings: outcome.associated.findingIds.length },
        "fixloop PR review updated",
      );
  });
  // A closed PR is no longer reviewed: a finding resolving or reopening later leaves it alone.
  app.on("pull_request.closed", async (context) => {
    await closeAssociatedPr(
      env.store.db,
      context.payload.repository.full_name,
      context.payload.pull_request.number,
    );
  });
}
