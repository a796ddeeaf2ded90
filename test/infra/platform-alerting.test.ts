import { synthesizeEnvironment } from '../support/cdk';

describe('Alertmanager in the cluster', () => {
  const { stacks, template } = synthesizeEnvironment('prod');
  const platform = JSON.stringify(template(stacks.platform).toJSON());

  it("gets the project's routing config with every receiver posting to the deployed alert fan-out", () => {
    const start = platform.indexOf('alertmanager.yaml');
    expect(start).toBeGreaterThan(0);
    const config = platform.slice(start, platform.indexOf('inhibit_rules', start) + 2000);
    expect(config).toContain('receiver: slack-default');
    expect(config).toContain('name: pagerduty-critical');
    // The URL is the ops stack's private webhook API through its VPC endpoint (deploy-time values), not the render
    // placeholder: https://<api-id>-<vpce-id>.execute-api.<region>.<suffix>/alerts/alerts.
    expect(config).not.toContain('.invalid/alerts');
    expect(config).toMatch(
      /url: https:\/\/",\{"Fn::GetStackOutput":\{[^}]*"OutputName":"[^"]*AlertFanoutWebhookApi[^"]*"\}\},"-",\{"Fn::GetStackOutput":\{[^}]*"OutputName":"[^"]*AlertFanoutWebhookEndpoint[^"]*"\}\},"\.execute-api\.",\{"Ref":"AWS::Region"\},"\.",\{"Ref":"AWS::URLSuffix"\},"\/alerts\/alerts/,
    );
  });

  it('is deployed after the ops stack that owns the fan-out', () => {
    expect(stacks.platform.dependencies.map((s) => s.stackName)).toContain(stacks.ops.stackName);
  });
});
