import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';

export interface GrafanaCertificateProps {
  /** `grafana.hostname`: the name in the private zone people open. */
  readonly hostname: string;
  /** `grafana.certificateAuthorityArn`: the AWS Private CA that signs it. */
  readonly certificateAuthorityArn: string;
}

/**
 * The ACM certificate of Grafana's internal load balancer (TLS listener on 443). A name in a private zone cannot be
 * validated for a public ACM certificate (DNS validation needs a public record), so the organisation's AWS Private
 * CA issues it; ACM renews it by itself.
 */
export class GrafanaCertificate extends Construct {
  public readonly certificate: acm.PrivateCertificate;

  constructor(scope: Construct, id: string, props: GrafanaCertificateProps) {
    super(scope, id);
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9-]+$/.test(props.hostname)) {
      throw new Error(`GrafanaCertificate ${id}: "${props.hostname}" is not a lowercase DNS name`);
    }
    this.certificate = new acm.PrivateCertificate(this, 'Certificate', {
      domainName: props.hostname,
      certificateAuthority: acmpca.CertificateAuthority.fromCertificateAuthorityArn(
        this,
        'PrivateCa',
        props.certificateAuthorityArn,
      ),
      keyAlgorithm: acm.KeyAlgorithm.EC_PRIME256V1,
    });
  }
}
