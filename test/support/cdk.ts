import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildEnvironment, type EnvironmentStacks } from '../../lib/app';
import { type EnvironmentName, loadEnvironmentConfig } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/paths';

/** The context of cdk.json (feature flags), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface TestAppOptions {
  /** Run esbuild and the layer build (slow); off, assets are placeholders. @default false */
  readonly bundling?: boolean;
  readonly context?: Record<string, unknown>;
}

/** A new App with cdk.json's context. Bundling is skipped unless asked for (it is tested on its own). */
export function newTestApp(options: TestAppOptions = {}): App {
  return new App({
    context: {
      ...cdkJsonContext(),
      ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}

export interface SynthesizedEnvironment {
  readonly app: App;
  readonly stacks: EnvironmentStacks;
  template(stack: Stack): Template;
}

const cache = new Map<EnvironmentName, SynthesizedEnvironment>();

/** One environment's stacks, as `cdk synth -c env=<name>` builds them (cached per test file). */
export function synthesizeEnvironment(name: EnvironmentName): SynthesizedEnvironment {
  const cached = cache.get(name);
  if (cached) return cached;
  const app = newTestApp();
  const stacks = buildEnvironment(app, loadEnvironmentConfig(name));
  const templates = new Map<Stack, Template>();
  const result: SynthesizedEnvironment = {
    app,
    stacks,
    template(stack) {
      let template = templates.get(stack);
      if (!template) {
        template = Template.fromStack(stack);
        templates.set(stack, template);
      }
      return template;
    },
  };
  cache.set(name, result);
  return result;
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as `rule at path` strings. */
export function unacknowledgedNagFindings(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}: ${v.description}`),
  );
}
