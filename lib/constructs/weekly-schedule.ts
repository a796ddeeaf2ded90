import { TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { nagResourceId } from '../nag';

export type DayOfWeek = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

export interface WeeklyScheduleProps {
  readonly function: lambda.IFunction;
  readonly dayOfWeek: DayOfWeek;
  /** Hour (0-23) in `timezone`. */
  readonly hour: number;
  /** IANA time zone: the schedule follows its daylight-saving changes. */
  readonly timezone: string;
  readonly description: string;
  /** The event the function gets (may hold Scheduler context attributes). @default the Scheduler's default input */
  readonly input?: Readonly<Record<string, string>>;
}

/**
 * Invokes a function once a week at a local time (EventBridge Scheduler, which evaluates cron in a time zone; an
 * EventBridge rule could only run in UTC and would drift an hour with daylight saving).
 */
export class WeeklySchedule extends Construct {
  public readonly schedule: scheduler.Schedule;
  /** The role EventBridge Scheduler assumes to invoke the function (this schedule's only). */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: WeeklyScheduleProps) {
    super(scope, id);
    if (!Number.isInteger(props.hour) || props.hour < 0 || props.hour > 23) {
      throw new Error(`WeeklySchedule ${id}: hour must be 0..23, got ${props.hour}`);
    }
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: props.description,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: props.description,
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: String(props.hour),
        weekDay: props.dayOfWeek,
        timeZone: TimeZone.of(props.timezone),
      }),
      // The function's own retries and failure queue handle errors; the schedule only delivers the event.
      target: new targets.LambdaInvoke(props.function, {
        retryAttempts: 2,
        role: this.role,
        ...(props.input ? { input: scheduler.ScheduleTargetInput.fromObject(props.input) } : {}),
      }),
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${nagResourceId(props.function)}.Arn>:*]`,
      reason:
        'aws-scheduler-targets grants lambda:InvokeFunction on the function and its versions/aliases (ARN:*): this one function only.',
    });
  }
}
