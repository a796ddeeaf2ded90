import * as path from 'node:path';
import { DockerImage, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { buildRuntimeLayer, readLayerManifest } from '../layer/runtime-layer-build';
import { PROJECT_ROOT } from '../paths';

export interface RuntimeLayerProps {
  /** The layer's folder (holds its package.json). @default `<project>/layers/runtime` */
  readonly layerDir?: string;
  /** @default the project root (where node_modules is) */
  readonly projectRoot?: string;
  /** @default RemovalPolicy.RETAIN (functions of an older deploy may still reference the version) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The shared runtime layer (Powertools + middy, pinned in `layers/runtime/package.json`), built at synth from
 * the project's node_modules, offline and without Docker.
 */
export class RuntimeLayer extends Construct {
  public readonly layer: lambda.LayerVersion;
  /** Package names the layer provides: functions bundle with these marked external. */
  public readonly externalModules: readonly string[];

  constructor(scope: Construct, id: string, props: RuntimeLayerProps = {}) {
    super(scope, id);
    const layerDir = props.layerDir ?? path.join(PROJECT_ROOT, 'layers', 'runtime');
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const manifest = readLayerManifest(layerDir);
    this.externalModules = Object.keys(manifest.dependencies);

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `Shared runtime: ${Object.entries(manifest.dependencies)
        .map(([name, version]) => `${name}@${version}`)
        .join(', ')}`,
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      code: lambda.Code.fromAsset(layerDir, {
        bundling: {
          // Never used: local bundling always succeeds (pure JavaScript copied from node_modules). Docker is
          // only the documented fallback contract of CDK bundling.
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          command: ['bash', '-c', 'npm install --omit=dev --prefix /asset-output/nodejs'],
          local: {
            tryBundle(outputDir: string): boolean {
              buildRuntimeLayer(layerDir, projectRoot, outputDir);
              return true;
            },
          },
        },
      }),
    });
  }
}
