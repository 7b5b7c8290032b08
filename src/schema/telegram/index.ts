/** The latest generation of the `telegram` target; repositories import from here. */
export * from './send-retry';
