import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks';
import { Construct } from 'constructs';

export interface ClusterAccessHostProps {
  readonly vpc: ec2.IVpc;
  /** Private subnets (the host needs egress to the Systems Manager endpoints, through NAT). */
  readonly subnets: ec2.SubnetSelection;
  /** The cluster whose private API endpoint the host forwards to (its control-plane security group admits the host on 443). */
  readonly cluster: eks.Cluster;
  /** @default t4g.nano (it only relays TCP) */
  readonly instanceType?: ec2.InstanceType;
}

/**
 * The way in to a private API endpoint: a small instance with no inbound rules and no SSH, reached only through
 * AWS Systems Manager Session Manager. A person runs
 * `aws ssm start-session --target <instance> --document-name AWS-StartPortForwardingSessionToRemoteHost
 *  --parameters host=<endpoint host>,portNumber=443,localPortNumber=8443`
 * and points kubectl at `https://localhost:8443` with `tls-server-name: <endpoint host>` (docs/deploy.md). The
 * person authenticates to Kubernetes with their own role (EKS access entry); the host's role only talks to SSM.
 */
export class ClusterAccessHost extends Construct {
  public readonly instance: ec2.Instance;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ClusterAccessHostProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Session Manager port forwarding host: no inbound; HTTPS out (SSM endpoints, the EKS API)',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'SSM endpoints and the EKS API (HTTPS)');
    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      instanceType: props.instanceType ?? new ec2.InstanceType('t4g.nano'),
      // The SSM agent ships with Amazon Linux 2023; the image id is an SSM parameter resolved at deploy time.
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      ssmSessionPermissions: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
    props.cluster.connections.allowFrom(
      this.securityGroup,
      ec2.Port.tcp(443),
      'Session Manager port forwarding host to the private API endpoint',
    );
    Validations.of(this.instance).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
        reason:
          'The policy AWS maintains for the SSM agent to register and serve Session Manager sessions; nothing else.',
      },
      {
        id: 'AwsSolutions-EC26',
        reason:
          'Its only volume is encrypted (blockDevices above; test/infra/platform-operability.test.ts asserts Encrypted: true); the rule cannot read the instance through its launch template reference.',
      },
      {
        id: 'AwsSolutions-EC28',
        reason:
          'A stateless TCP relay: basic (5-minute) monitoring is enough; detailed monitoring would only add cost.',
      },
      {
        id: 'CloudFormation-Validate::W3010',
        reason:
          'Zones are explicit in the environment config on purpose: synth must run offline, without an AZ lookup.',
      },
      {
        id: 'AwsSolutions-EC29',
        reason: 'Holds no state and is re-created by a deploy; termination protection would only block teardown.',
      },
    );
  }
}
