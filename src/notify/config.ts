// The organization's notification settings (`notifications:` and `jira:` in the `.github`
// repository's fixloop.yml). Every value that would be a secret — a webhook URL (Slack's and
// Teams' carry their token in the path), a signing secret, a Jira token — is the NAME of an
// environment variable of the fixloop deployment, never the secret itself: the repository is read by
// everyone who can read code. A value that looks like a URL is refused with that reason.

import { z } from "zod";
import { NOTIFICATION_EVENTS } from "../jobs/kinds.ts";

const ENV_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
const TEAM =
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9_])?$/;

/** The name of an environment variable holding a secret. */
export const EnvName = z.string().superRefine((value, ctx) => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) || value.includes("hooks.slack.com"))
    ctx.addIssue({
      code: "custom",
      message:
        "looks like a URL: write the NAME of an environment variable that holds the URL (e.g. SLACK_WEBHOOK_DATA_PLATFORM), never the URL itself — the repository is not a place for secrets",
    });
  else if (!ENV_NAME.test(value))
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(value)} is not an environment variable name (upper-case letters, digits and _, starting with a letter)`,
    });
});

const Team = z.string().transform((value, ctx) => {
  const slug = value.trim().replace(/^@/, "");
  if (TEAM.test(slug)) return slug.toLowerCase();
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(value)} is not a team: write it as org/team-slug`,
  });
  return z.NEVER;
});

const Events = z.array(z.enum(NOTIFICATION_EVENTS)).min(1);

/** Per-team incoming webhooks of a chat tool, and the one for everything else. */
const ChatWebhooks = z
  .strictObject({
    teams: z.record(Team, EnvName).default({}),
    default: EnvName.nullable().default(null),
  })
  .prefault({});

export const NotificationsConfigSchema = z
  .strictObject({
    slack: ChatWebhooks,
    // Microsoft Teams incoming webhooks ("msteams": `teams` names GitHub teams everywhere else).
    msteams: ChatWebhooks,
    events: Events.default([...NOTIFICATION_EVENTS]),
    // More than this many messages to one chat webhook within the window: one digest instead.
    digestAfter: z.number().int().min(1).default(5),
    digestWindowMinutes: z.number().int().positive().max(1440).default(15),
    webhooks: z
      .array(
        z.strictObject({
          url: EnvName,
          secret: EnvName,
          events: Events.optional(),
        }),
      )
      .max(10)
      .default([]),
  })
  .prefault({});

export type NotificationsConfig = z.output<typeof NotificationsConfigSchema>;

const ProjectKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{1,9}$/, { error: "must be a Jira project key such as SEC" });

export const JiraConfigSchema = z
  .strictObject({
    baseUrl: z
      .string()
      .url()
      .refine((u) => /^https:\/\//.test(u) && !/@/.test(u), {
        error: "must be an https:// URL without credentials, e.g. https://acme.atlassian.net",
      })
      .nullable()
      .default(null),
    project: ProjectKey.nullable().default(null),
    teamProjects: z.record(Team, ProjectKey).default({}),
    issueType: z.string().trim().min(1).max(60).default("Task"),
    emailEnv: EnvName.nullable().default(null),
    tokenEnv: EnvName.nullable().default(null),
  })
  .superRefine((j, ctx) => {
    if (j.baseUrl === null) return;
    if (j.emailEnv === null)
      ctx.addIssue({
        code: "custom",
        path: ["emailEnv"],
        message: "required with baseUrl: the variable holding the Jira account's email",
      });
    if (j.tokenEnv === null)
      ctx.addIssue({
        code: "custom",
        path: ["tokenEnv"],
        message: "required with baseUrl: the variable holding the Jira API token",
      });
    if (j.project === null && Object.keys(j.teamProjects).length === 0)
      ctx.addIssue({
        code: "custom",
        path: ["project"],
        message: "name a project (project: SEC) or a team → project map (teamProjects)",
      });
  })
  .prefault({});

export type JiraConfig = z.output<typeof JiraConfigSchema>;
