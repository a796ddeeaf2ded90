import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { PUSH_METRICS_NAMESPACE, PUSH_SERVICES, REPAIR_METRICS } from '../../lambdas/domain/push-metric-names';
import { loadEnvironmentConfig } from '../../lib/config';
import { GRAFANA_CLOUDWATCH_ACTIONS } from '../../lib/constructs/grafana-cloudwatch-role';
import { CLOUDWATCH_DATASOURCE } from '../../lib/dashboards/model';
import { grafanaDatasources } from '../../lib/k8s/grafana';
import { synthesizeEnvironment } from '../support/cdk';

/**
 * Where the push functions' figures go and who reads them: the functions emit them in the namespace and under
 * the service names the dashboard queries (lambdas/domain/push-metric-names.ts), in the region Grafana's
 * CloudWatch data source reads, through a role allowed to read any metric; an alarm watches the repair's backlog.
 */
describe("the push functions' figures in the stacks", () => {
  const config = loadEnvironmentConfig('prod');
  const env = synthesizeEnvironment('prod');
  const ops = env.template(env.stacks.ops);

  it('each push function emits in the fixed namespace under its own service name', () => {
    for (const service of Object.values(PUSH_SERVICES)) {
      ops.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: PUSH_METRICS_NAMESPACE,
          }),
        },
      });
    }
  });

  it('alarms when every repair pass for 15 minutes left groups a replica owes, and not on missing data', () => {
    ops.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: PUSH_METRICS_NAMESPACE,
      MetricName: REPAIR_METRICS.stillOwed,
      Dimensions: [{ Name: 'service', Value: PUSH_SERVICES.repair }],
      Statistic: 'Minimum',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [Match.anyValue()],
    });
  });

  it("Grafana's CloudWatch data source reads the functions' region, lists their namespace, through a role that may read any metric", () => {
    const cloudwatch = grafanaDatasources(config).datasources.find((d) => d.uid === CLOUDWATCH_DATASOURCE.uid);
    expect(cloudwatch?.jsonData).toMatchObject({
      authType: 'default',
      defaultRegion: Stack.of(env.stacks.ops).region,
      customMetricsNamespaces: PUSH_METRICS_NAMESPACE,
    });
    expect(Stack.of(env.stacks.platform).region).toBe(Stack.of(env.stacks.ops).region);
    env.template(env.stacks.platform).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: [...GRAFANA_CLOUDWATCH_ACTIONS], Resource: '*' }],
      },
    });
  });
});
