/**
 * The engine's dialect adapters (decision 021), one per `Dialect`. The engine's modules ask
 * `dialectOf(…)` instead of testing `dialect === …` themselves.
 */
import type { Dialect } from '../../connect';
import type { EngineDialect } from './dialect';
import { postgresqlDialect } from './postgresql';
import { sqliteDialect } from './sqlite';

export type { DrizzleKitApi, EngineDialect, ReadOnlyDatabase, SchemaFacts, Snapshot } from './dialect';

/** Every adapter by its dialect; adding a dialect means one entry here and one module beside. */
export const engineDialects: { readonly [D in Dialect]: EngineDialect<D> } = {
  postgresql: postgresqlDialect,
  sqlite: sqliteDialect,
};

/**
 * The adapter of a dialect, or of anything that has one: a `SqlClient`, a `Target`, a `Location`.
 *
 * @example await dialectOf(client).lockTarget(tx, 'todo');
 */
export function dialectOf(of: Dialect | { readonly dialect: Dialect }): EngineDialect {
  return engineDialects[typeof of === 'string' ? of : of.dialect];
}
