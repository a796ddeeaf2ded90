import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface PrivateCaCertificateProps {
  /** The AWS Private CA whose own certificate the clients must trust (`grafana.certificateAuthorityArn`). */
  readonly certificateAuthorityArn: string;
  /**
   * Any new value reads the certificate again (the read happens on create and on a change of its inputs only): for
   * a CA whose certificate was renewed under the same ARN. @default 'initial'
   */
  readonly refresh?: string;
}

/** The CDK context key whose new value makes the ops stack read the CA certificate again (docs/deploy.md). */
export const PRIVATE_CA_REFRESH_CONTEXT = 'privateCaRefresh';

/** The CloudFormation-side id of the one function every AwsCustomResource of a stack shares (aws-cdk-lib). */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The PEM certificate of an AWS Private CA, read at deploy time (acm-pca GetCertificateAuthorityCertificate, through
 * an AwsCustomResource that may call exactly that on exactly that CA), for clients of the internal NLBs whose ACM
 * certificates the CA issues. `Certificate` is the CA's own certificate — for a subordinate CA the intermediate,
 * which the clients trust by itself (allowPartialTrustChain); the chain above it is not needed and not read.
 *
 * Read on create and again when the ARN or `refresh` changes: a CA whose certificate is renewed under the same ARN
 * needs a deploy with a new `refresh` (docs/deploy.md).
 */
export class PrivateCaCertificate extends Construct {
  /** The CA certificate (PEM), a deploy-time value. */
  public readonly certificatePem: string;
  public readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: PrivateCaCertificateProps) {
    super(scope, id);
    const arn = props.certificateAuthorityArn;
    if (!/^arn:[a-z-]+:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[0-9a-f-]+$/.test(arn)) {
      throw new Error(`PrivateCaCertificate ${id}: "${arn}" is not an AWS Private CA ARN`);
    }
    // Ask the CA's own region (from its ARN), whatever region the stack is in.
    const region = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region;
    const call: cr.AwsSdkCall = {
      service: 'ACMPCA',
      action: 'GetCertificateAuthorityCertificate',
      parameters: { CertificateAuthorityArn: arn },
      ...(region ? { region } : {}),
      physicalResourceId: cr.PhysicalResourceId.of(`${arn}#${props.refresh ?? 'initial'}`),
      // Only the CA's own certificate: a custom resource's response data is limited to 4 KB.
      outputPaths: ['Certificate'],
    };
    this.resource = new cr.AwsCustomResource(this, 'Read', {
      onCreate: call,
      onUpdate: call,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['acm-pca:GetCertificateAuthorityCertificate'], resources: [arn] }),
      ]),
      // The SDK of the Lambda runtime has acm-pca; no download from npm at deploy time.
      installLatestAwsSdk: false,
    });
    this.certificatePem = this.resource.getResponseField('Certificate');

    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "aws-cdk-lib's AwsCustomResource function: the AWS managed policy only lets it write its own CloudWatch logs.",
      });
    }
  }
}
