/**
 * dynalite 4.0.0 ships no type declarations: its one export as its index.js documents it (JSDoc of `dynalite`):
 * options in, a Node HTTP server out (in memory unless `path` is given).
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Milliseconds a new table stays CREATING. @default 500 */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    /** @default 400 */
    readonly maxItemSizeKb?: number;
    /** A LevelDB folder; in memory when absent. */
    readonly path?: string;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
