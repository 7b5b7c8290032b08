/** The latest generation of the `tatlock-system` target (0.3.20 = 0.3.19); repositories import from here. */
export * from './v0-3-19';
