import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';

export interface InternalEndpointsCertificateProps {
  /**
   * The internal load balancers' names in the private zone, e.g. `pushgateway-0.<zone>` or `thanos-query.<zone>`;
   * the first is the subject.
   */
  readonly hostnames: readonly string[];
  /** The AWS Private CA that signs it (`grafana.certificateAuthorityArn`: the one CA of the environment). */
  readonly certificateAuthorityArn: string;
}

const DNS_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9-]+$/;

/**
 * The ACM certificate the internal NLBs of in-VPC endpoints terminate TLS with (the Pushgateway replicas, the
 * query-frontend). A name in a private zone cannot be DNS-validated for a public ACM certificate, so the
 * environment's AWS Private CA issues it (as for Grafana's); ACM renews it by itself, and the clients trust that CA
 * (PrivateCaCertificate).
 */
export class InternalEndpointsCertificate extends Construct {
  public readonly certificate: acm.PrivateCertificate;

  constructor(scope: Construct, id: string, props: InternalEndpointsCertificateProps) {
    super(scope, id);
    const [subject, ...alternatives] = props.hostnames;
    if (subject === undefined) throw new Error(`InternalEndpointsCertificate ${id}: hostnames is empty`);
    for (const hostname of props.hostnames) {
      if (!DNS_NAME.test(hostname)) {
        throw new Error(`InternalEndpointsCertificate ${id}: "${hostname}" is not a lowercase DNS name`);
      }
    }
    if (new Set(props.hostnames).size !== props.hostnames.length) {
      throw new Error(`InternalEndpointsCertificate ${id}: hostnames repeat a name (${props.hostnames.join(', ')})`);
    }
    this.certificate = new acm.PrivateCertificate(this, 'Certificate', {
      domainName: subject,
      ...(alternatives.length > 0 ? { subjectAlternativeNames: alternatives } : {}),
      certificateAuthority: acmpca.CertificateAuthority.fromCertificateAuthorityArn(
        this,
        'PrivateCa',
        props.certificateAuthorityArn,
      ),
      keyAlgorithm: acm.KeyAlgorithm.EC_PRIME256V1,
    });
  }
}
