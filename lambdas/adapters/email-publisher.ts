/**
 * @deprecated Names kept for `lambdas/local/services/summary.ts` until its in-flight change (#19) lands: use
 * `SnsPublisher` / `snsPublisher` from `./sns-publisher`.
 */
export { type SnsPublisher as EmailPublisher, snsPublisher as snsEmailPublisher } from './sns-publisher';
