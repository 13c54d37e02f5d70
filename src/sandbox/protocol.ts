// Messages between the app's main thread and its sandbox worker.

import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { GroupFixPlan } from "../remediate/plan-fix.ts";
import type { JoinBasis } from "../remediate/plan-join.ts";
import type { RuleOptions } from "../rules/registry.ts";

export type WorkerRequest =
  | { id: number; kind: "index"; key: string; files: SourceFile[] }
  /** `key` names the snapshot (repository@sha): the worker reuses its index when it still has it. */
  | {
      id: number;
      kind: "plan";
      key: string;
      files: SourceFile[];
      group: TriagedFinding[];
      /** The repository configuration's `rules.options` (plain data: structured clone). */
      ruleOptions?: RuleOptions;
      /** The plan of the group's members but the last: the last one's fix goes on top of it. */
      on?: JoinBasis;
    };

export interface PlainSyntaxError {
  file: string;
  line: number;
  column: number;
  reason: string;
}

export type WorkerReply =
  | { id: number; kind: "file"; path: string }
  | { id: number; kind: "indexed"; index: TerraformIndex; errors: PlainSyntaxError[] }
  | { id: number; kind: "planned"; plan: GroupFixPlan }
  | { id: number; kind: "failed"; message: string };
