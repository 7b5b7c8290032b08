/** The latest generation of the `agent` target; repositories import from here. */
export * from './backfill';
export * from './content';
export * from './v2';
