/**
 * The DynamoDB table of the groups' records, as the PushIngestion construct creates it and the store adapter reads
 * it: one item per group under `id`, and a sparse index of the items the repair has work on (only those carry the
 * `owed` attribute).
 */
export const GROUP_STORE_SCHEMA = {
  partitionKey: 'id',
  owedIndex: 'owed',
  owedAttribute: 'owed',
} as const;
