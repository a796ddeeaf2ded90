import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface MessagesWaitingAlarmProps {
  readonly queue: sqs.IQueue;
  /** How often the queue depth is looked at (its maximum over the period). */
  readonly period: Duration;
  readonly description: string;
  /** Where the alarm notifies. */
  readonly topic: sns.ITopic;
}

/**
 * An alarm, in `scope`, that notifies `topic` as soon as one message waits in a queue that should stay empty
 * (dead letters, failed asynchronous events).
 */
export function messagesWaitingAlarm(scope: Construct, id: string, props: MessagesWaitingAlarmProps): cloudwatch.Alarm {
  const alarm = props.queue
    .metricApproximateNumberOfMessagesVisible({ period: props.period, statistic: 'Maximum' })
    .createAlarm(scope, id, {
      alarmDescription: props.description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  alarm.addAlarmAction(new cwActions.SnsAction(props.topic));
  return alarm;
}
