/** The latest generation of the `todo` target; repositories import from here. */
export * from './archive-search';
