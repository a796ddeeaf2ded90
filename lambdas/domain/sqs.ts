/**
 * The largest SQS message: body and message attributes together (names, types and values count; SQS Developer
 * Guide, "Amazon SQS message quotas"), 1 MiB, which the fan-out's queues are configured to.
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
