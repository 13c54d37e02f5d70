// What a source says about a resource beyond its ARN: the names a console shows (a security
// group's GroupName, a DB instance identifier, a table name), the cloud ids, the VPC. An ARN
// names a security group by its `sg-…` id, which Terraform code never contains; its GroupName is
// what the code writes. Every value is untrusted text: it is only compared, and shown escaped.

import type { ResourceIdentifier } from "./model.ts";
import { isObject } from "./records.ts";

type Kind = ResourceIdentifier["kind"];

/** A non-empty string value as an identifier; anything else (numbers, objects, "") is no identifier. */
export function identifierOf(kind: Kind, value: unknown, from: string): ResourceIdentifier[] {
  return typeof value === "string" && value.trim() !== "" && value.length <= 1024
    ? [{ kind, value, from }]
    : [];
}

/**
 * ASFF `Resources[].Details.<Type>` keys that identify the resource
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_ResourceDetails.html).
 */
const ASFF_DETAILS: Record<string, Array<[string, Kind]>> = {
  AwsEc2SecurityGroup: [
    ["GroupName", "name"],
    ["GroupId", "id"],
    ["VpcId", "vpc"],
  ],
  AwsEc2Instance: [["VpcId", "vpc"]],
  AwsEc2Volume: [["VolumeId", "id"]],
  AwsS3Bucket: [["Name", "name"]],
  AwsKmsKey: [["KeyId", "id"]],
  AwsRdsDbInstance: [
    ["DBInstanceIdentifier", "name"],
    ["DbiResourceId", "id"],
  ],
  AwsRdsDbCluster: [
    ["DbClusterIdentifier", "name"],
    ["DbClusterResourceId", "id"],
  ],
  AwsDynamoDbTable: [
    ["TableName", "name"],
    ["TableId", "id"],
  ],
  AwsCloudTrailTrail: [["Name", "name"]],
  AwsElbv2LoadBalancer: [["VpcId", "vpc"]],
  AwsLambdaFunction: [["FunctionName", "name"]],
  AwsIamRole: [["RoleName", "name"]],
  AwsIamUser: [["UserName", "name"]],
  AwsSqsQueue: [["QueueName", "name"]],
  AwsSnsTopic: [["TopicName", "name"]],
  AwsEksCluster: [["Name", "name"]],
  AwsEcrRepository: [["RepositoryName", "name"]],
};

/** Keys of ASFF `Details.Other` (AWS Config's own, lower camel case) that identify the resource. */
const ASFF_OTHER: Array<[string, Kind]> = [
  ["groupName", "name"],
  ["groupId", "id"],
  ["vpcId", "vpc"],
];

/** The identifiers in one ASFF resource's `Details`, in the order AWS documents them. */
export function asffDetailsIdentifiers(details: unknown): ResourceIdentifier[] {
  if (!isObject(details)) return [];
  const out: ResourceIdentifier[] = [];
  for (const [type, keys] of Object.entries(ASFF_DETAILS)) {
    const d = details[type];
    if (!isObject(d)) continue;
    for (const [key, kind] of keys) out.push(...identifierOf(kind, d[key], `Details.${type}.${key}`));
  }
  if (isObject(details.Other)) {
    const other = details.Other;
    for (const [key, kind] of ASFF_OTHER) out.push(...identifierOf(kind, other[key], `Details.Other.${key}`));
  }
  return out;
}

/** Drops repeated kind+value pairs (the same id from two places), keeping the first source. */
export function uniqueIdentifiers(ids: ResourceIdentifier[]): ResourceIdentifier[] | undefined {
  const seen = new Set<string>();
  const out = ids.filter((i) => {
    const key = `${i.kind}\0${i.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return out.length > 0 ? out : undefined;
}

/** `[{Key, Value}]` (AWS APIs, Prowler metadata) or `[{name, value}]` (OCSF key_value_object) → a map. */
export function tagListToMap(tags: unknown): Record<string, string> | undefined {
  if (!Array.isArray(tags)) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags) {
    if (!isObject(t)) continue;
    const key = t.Key ?? t.key ?? t.name;
    const value = t.Value ?? t.value;
    if (typeof key === "string" && key !== "" && typeof value === "string") out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
