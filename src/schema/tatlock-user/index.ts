/** The latest generation of the `tatlock-user` target; repositories import from here. */
export * from './v0-3-23';
