import { type CfnElement, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The logical id cdk-nag prints for a resource in `<LogicalId.Arn>` (the same through a cross-stack reference),
 * so acknowledgements name the exact finding.
 */
export function nagResourceId(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnElement | undefined;
  if (!cfn) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return Stack.of(cfn).resolve(cfn.logicalId) as string;
}

/**
 * `arn:<partition>:s3:::<bucket>/<pattern>` from the bucket's NAME (deterministic, see naming.ts) rather than a
 * cross-stack reference: cdk-nag prints a cross-stack ARN differently in `cdk synth` (Fn::GetStackOutput) and in
 * a validateScope run, so only a name-based ARN can be acknowledged by one exact id in both.
 */
export function objectArn(scope: IConstruct, bucketName: string, pattern: string): string {
  return `arn:${Stack.of(scope).partition}:s3:::${bucketName}/${pattern}`;
}

/** The id cdk-nag prints for {@link objectArn} (the partition is a literal when the stack's region is known). */
export function objectArnFinding(scope: IConstruct, bucketName: string, pattern: string): string {
  const arn = objectArn(scope, bucketName, pattern);
  const printed = Token.isUnresolved(arn) ? `arn:<AWS::Partition>:s3:::${bucketName}/${pattern}` : arn;
  return `AwsSolutions-IAM5[Resource::${printed}]`;
}
