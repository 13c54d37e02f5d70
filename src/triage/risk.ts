// True Risk: a 0–100 score from severity × internet reachability × data sensitivity × attack path ×
// environment × identity privilege, with every factor returned so a PR body can explain it.

import type { Finding } from "../findings/model.ts";
import type { TriageConfig } from "./config.ts";

export type Tier = "critical" | "high" | "medium" | "low";

export interface RiskFactor {
  name: "severity" | "internet" | "data" | "attackPath" | "environment" | "identity";
  /** What the finding said, in words: "internet reachable", "PII, PCI", "production"… */
  value: string;
  /** Points for severity, a multiplier for the others (1 when the factor is unknown). */
  weight: number;
}

export interface Risk {
  score: number;
  tier: Tier;
  factors: RiskFactor[];
  /** One sentence a reviewer reads: "High risk (72/100): high severity × internet reachable × PII." */
  explanation: string;
}

export interface RiskInputs {
  /** Environment from tags, account mapping or configuration when the finding does not say. */
  environment?: string;
  /** The resource grants or holds broad privileges (e.g. an IAM wildcard policy, an admin role). */
  privilegedIdentity?: boolean;
  /** Severity from the catalog rule, used when the source rated none (open-source Checkov). */
  catalogSeverity?: Finding["severity"]["normalized"];
}

export function trueRisk(finding: Finding, config: TriageConfig, inputs: RiskInputs = {}): Risk {
  const w = config.weights;
  const ctx = finding.context;
  const unrated = finding.severity.native === "" && inputs.catalogSeverity !== undefined;
  const severity = unrated ? inputs.catalogSeverity! : finding.severity.normalized;
  const factors: RiskFactor[] = [
    {
      name: "severity",
      value: unrated
        ? `${severity} severity (from the fixloop catalog; the source rated none)`
        : `${severity} severity`,
      weight: config.severityPoints[severity],
    },
  ];
  if (ctx.internetReachable !== undefined) {
    factors.push({
      name: "internet",
      value: ctx.internetReachable ? "internet reachable" : "not internet reachable",
      weight: ctx.internetReachable ? w.internetReachable : w.notInternetReachable,
    });
  }
  if (ctx.dataSensitivity.length > 0) {
    factors.push({
      name: "data",
      value: ctx.dataSensitivity.join(", "),
      weight: ctx.dataSensitivity.length > 1 ? w.sensitiveDataMultiple : w.sensitiveData,
    });
  }
  if (ctx.attackPath) factors.push({ name: "attackPath", value: "on an attack path", weight: w.attackPath });
  const environment = ctx.environment ?? inputs.environment ?? environmentOf(finding, config);
  if (environment) {
    const prod = config.productionEnvironments.some((e) => e.toLowerCase() === environment.toLowerCase());
    factors.push({ name: "environment", value: environment, weight: prod ? w.production : w.nonProduction });
  }
  if (inputs.privilegedIdentity) {
    factors.push({ name: "identity", value: "privileged identity", weight: w.privilegedIdentity });
  }
  const raw = factors.reduce((acc, f, i) => (i === 0 ? f.weight : acc * f.weight), 0);
  const score = Math.max(0, Math.min(100, Math.round(raw)));
  const tier: Tier =
    score >= config.tiers.critical
      ? "critical"
      : score >= config.tiers.high
        ? "high"
        : score >= config.tiers.medium
          ? "medium"
          : "low";
  const words = factors.map((f) => f.value).join(" × ");
  const explanation = `${tier[0]!.toUpperCase()}${tier.slice(1)} risk (${score}/100): ${words}.`;
  return { score, tier, factors, explanation };
}

/** The environment from the resource's tags, else from the account mapping in the configuration. */
export function environmentOf(finding: Finding, config: TriageConfig): string | undefined {
  const tags = finding.resource.tags ?? {};
  const byKey = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  for (const key of config.environmentTags) {
    const v = byKey.get(key.toLowerCase());
    if (v) return v;
  }
  const account = finding.resource.account;
  return account && Object.hasOwn(config.accountEnvironments, account)
    ? config.accountEnvironments[account]
    : undefined;
}
