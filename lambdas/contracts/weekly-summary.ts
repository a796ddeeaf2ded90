import { envContract, stringVar } from './env';

/** The weekly summary's environment, set by the WeeklySummary construct. */
export const weeklySummaryEnv = envContract({
  environmentName: stringVar('ENVIRONMENT_NAME'),
  reportsBucket: stringVar('REPORTS_BUCKET'),
  summaryTopicArn: stringVar('SUMMARY_TOPIC_ARN'),
});
