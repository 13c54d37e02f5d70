// AWS ARNs: arn:partition:service:region:account-id:resource, where resource is `id`,
// `type/id` or `type:id` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Resource type when the ARN carries one (`instance`, `security-group`, `db`…), else "". */
  resourceType: string;
  /** The resource's own id or name: the bucket name, `i-0abc…`, `sg-…`, the DB identifier… */
  resourceId: string;
}

export function parseArn(text: string): Arn | undefined {
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(text.trim());
  if (!m) return undefined;
  const [, partition, service, region, account, resource] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const sep = /[/:]/.exec(resource);
  // S3 bucket ARNs have no type: arn:aws:s3:::bucket (objects: bucket/key).
  if (service === "s3") {
    const bucket = resource.split("/")[0]!;
    return { partition, service, region, account, resourceType: "bucket", resourceId: bucket };
  }
  if (!sep) return { partition, service, region, account, resourceType: "", resourceId: resource };
  return {
    partition,
    service,
    region,
    account,
    resourceType: resource.slice(0, sep.index),
    resourceId: resource.slice(sep.index + 1),
  };
}
