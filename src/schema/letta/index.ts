/** The latest generation of the `letta` target; repositories import from here. */
export * from './v2';
