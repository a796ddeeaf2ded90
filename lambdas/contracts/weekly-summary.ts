import { isTimeZone } from '../domain/time-zone';
import { envContract, parsedVar, stringVar } from './env';

/** The weekly summary's environment, set by the WeeklySummary construct. */
export const weeklySummaryEnv = envContract({
  environmentName: stringVar('ENVIRONMENT_NAME'),
  reportsBucket: stringVar('REPORTS_BUCKET'),
  summaryTopicArn: stringVar('SUMMARY_TOPIC_ARN'),
  /** The schedule's IANA time zone: a week is seven calendar days there. */
  timeZone: parsedVar('SUMMARY_TIME_ZONE', (text) => {
    if (!isTimeZone(text))
      throw new Error(`environment variable SUMMARY_TIME_ZONE must be an IANA time zone, got ${JSON.stringify(text)}`);
    return text;
  }),
});
