import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';

export interface NetworkStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The VPC of the cluster and of the in-VPC functions: public subnets for NAT and load balancers, private
 * subnets (large, for pod IPs) for nodes, Fargate and functions, explicit AZs so synth needs no lookup.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.Vpc;
  private readonly zones: readonly string[];

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.zones = config.availabilityZones;
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
      availabilityZones: [...this.zones],
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        // VPC CNI gives every pod a VPC address: /19 leaves ~8k per AZ.
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 19 },
      ],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
      // Thanos moves every block through S3: a gateway endpoint keeps that traffic off the NAT gateways.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'Zones are explicit in the environment config on purpose: synth must run offline, without an AZ lookup.',
    });
  }

  /** The configured zones: without this override the VPC would look them up in the account (no offline synth). */
  override get availabilityZones(): string[] {
    return [...this.zones];
  }
}
