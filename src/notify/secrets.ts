// The one place fixloop reads an environment variable whose NAME comes from configuration (a Slack
// or Teams webhook URL, a signing secret, Jira credentials): the README's environment table cannot
// list them, so it documents the pattern instead, and every such read goes through here.

import { DeliveryFailed } from "./http.ts";

export interface SecretSource {
  /** The variable's value; throws (the job retries, then is `dead` with this reason) when unset. */
  value(name: string, usedFor: string): string;
}

export function secretsFrom(env: Readonly<Record<string, string | undefined>>): SecretSource {
  return {
    value(name, usedFor) {
      const value = name ? env[name]?.trim() : undefined;
      if (!value)
        throw new DeliveryFailed(
          `${usedFor}: the environment variable ${name || "(none)"} named in fixloop.yml is not set in fixloop's environment`,
        );
      return value;
    },
  };
}
