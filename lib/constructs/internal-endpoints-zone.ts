import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface InternalEndpointsZoneProps {
  /** `internalZoneName(env)`. */
  readonly zoneName: string;
  readonly vpc: ec2.IVpc;
}

/**
 * The private Route 53 zone, associated with the VPC, where ExternalDNS publishes the internal load balancers of
 * the cluster (`pushgateway-0/1`, `thanos-query`) for the in-VPC functions. Resolvable only inside the VPC.
 */
export class InternalEndpointsZone extends Construct {
  public readonly zone: route53.PrivateHostedZone;

  constructor(scope: Construct, id: string, props: InternalEndpointsZoneProps) {
    super(scope, id);
    if (!/^([a-z0-9-]+\.)+[a-z0-9-]+$/.test(props.zoneName)) {
      throw new Error(`InternalEndpointsZone ${id}: "${props.zoneName}" is not a lowercase DNS name`);
    }
    this.zone = new route53.PrivateHostedZone(this, 'Zone', {
      zoneName: props.zoneName,
      vpc: props.vpc,
      comment: 'In-cluster endpoints published by ExternalDNS for the in-VPC functions',
    });
  }
}
