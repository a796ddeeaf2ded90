/**
 * The launch template data of the stateful node groups (CloudFormation `LaunchTemplateData`, pure so the tests
 * read the same object). No image and no user data: EKS fills both for the AL2023 AMI type of the node group
 * (a managed node group merges its bootstrap into a template without an image id).
 *
 * - Root volume: gp3, encrypted regardless of the account's EBS default (aws/ebs key), deleted with the node.
 * - IMDSv2 only, hop limit 1: containers (one hop further than the host) cannot read the node role's credentials.
 *   Every pod that calls AWS has its own IRSA role and is told its region and VPC; the EBS CSI node plugin falls
 *   back to the Kubernetes API for its metadata (kubernetes-sigs/aws-ebs-csi-driver docs/install.md, "Metadata").
 *   Host-network pods (VPC CNI, kube-proxy) still reach IMDS.
 */
export const NODE_ROOT_DEVICE = '/dev/xvda';

export function nodeLaunchTemplateData(rootVolumeGiB: number): Record<string, unknown> {
  if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 20) {
    throw new Error(`node root volume must be a whole number of GiB, at least 20, got ${rootVolumeGiB}`);
  }
  return {
    BlockDeviceMappings: [
      {
        DeviceName: NODE_ROOT_DEVICE,
        Ebs: { VolumeSize: rootVolumeGiB, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
      },
    ],
    MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
  };
}
