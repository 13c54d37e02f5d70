// Triage settings with documented defaults. The app reads overrides from .github/fixloop.yml
// (validated by this schema); the CLI uses the defaults.

import { z } from "zod";

export const TriageConfigSchema = z.strictObject({
  /** Points a finding starts from, by normalized severity (before context multipliers). */
  severityPoints: z
    .strictObject({
      critical: z.number().min(0).max(100).default(60),
      high: z.number().min(0).max(100).default(45),
      medium: z.number().min(0).max(100).default(30),
      low: z.number().min(0).max(100).default(15),
      info: z.number().min(0).max(100).default(5),
    })
    .default({ critical: 60, high: 45, medium: 30, low: 15, info: 5 }),
  /** Multipliers for what the context says; an unknown factor multiplies by 1. */
  weights: z
    .strictObject({
      internetReachable: z.number().min(0).default(1.5),
      notInternetReachable: z.number().min(0).default(0.7),
      sensitiveData: z.number().min(0).default(1.4),
      /** Applied instead of sensitiveData when more than one kind (PII+PCI…) is present. */
      sensitiveDataMultiple: z.number().min(0).default(1.6),
      attackPath: z.number().min(0).default(1.5),
      production: z.number().min(0).default(1.25),
      nonProduction: z.number().min(0).default(0.6),
      privilegedIdentity: z.number().min(0).default(1.3),
    })
    .default({
      internetReachable: 1.5,
      notInternetReachable: 0.7,
      sensitiveData: 1.4,
      sensitiveDataMultiple: 1.6,
      attackPath: 1.5,
      production: 1.25,
      nonProduction: 0.6,
      privilegedIdentity: 1.3,
    }),
  /** Lowest score of each tier. */
  tiers: z
    .strictObject({
      critical: z.number().default(80),
      high: z.number().default(60),
      medium: z.number().default(35),
    })
    .default({ critical: 80, high: 60, medium: 35 }),
  gates: z
    .strictObject({
      /** Below this score a finding is recorded only, no PR. */
      prThreshold: z.number().min(0).max(100).default(35),
      /** Below this confidence a PR waits for a human approval. */
      minConfidence: z.number().min(0).max(1).default(0.6),
    })
    .default({ prThreshold: 35, minConfidence: 0.6 }),
  /** Hours from detection to the SLA due date, per tier. */
  slaHours: z
    .strictObject({
      critical: z.number().positive().default(48),
      high: z
        .number()
        .positive()
        .default(7 * 24),
      medium: z
        .number()
        .positive()
        .default(30 * 24),
      low: z
        .number()
        .positive()
        .default(90 * 24),
    })
    .default({ critical: 48, high: 168, medium: 720, low: 2160 }),
  /** Cloud account / subscription / project → environment, for findings that do not say. */
  accountEnvironments: z.record(z.string(), z.string()).default({}),
  /** Resource tag keys that name the environment, tried in order (matched case-insensitively). */
  environmentTags: z.array(z.string()).default(["environment", "env", "stage"]),
  /** Environment names that count as production (matched case-insensitively). */
  productionEnvironments: z.array(z.string()).default(["prod", "production", "prd", "live"]),
});

export type TriageConfig = z.infer<typeof TriageConfigSchema> & {
  /** Catalog rules the organization demoted to record only (`rules.demote.rules` in fixloop.yml). */
  demotedRules?: readonly string[];
};

export const DEFAULT_TRIAGE_CONFIG: TriageConfig = TriageConfigSchema.parse({});
