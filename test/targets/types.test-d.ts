/** Types a user's editor sees for connections and migration results. */
import { describe, expectTypeOf, it } from 'vitest';
import type { PgDb } from '../../src/connect';
import { migrate } from '../../src/index';
import type { MigrateResult, MigrationResult } from '../../src/migrate/engine';
import type * as todoSchema from '../../src/schema/todo';
import { type Connection, connect } from '../../src/targets/connect';
import type { TargetName } from '../../src/targets/registry';

describe('connection types', () => {
  it('types the handle with the target’s latest schema', () => {
    expectTypeOf<Connection<'todo'>['db']>().toMatchTypeOf<PgDb<typeof todoSchema>>();
    expectTypeOf(connect<'todo'>).returns.resolves.toEqualTypeOf<Connection<'todo'>>();
  });

  it('accepts only registered target names', () => {
    expectTypeOf<'todo'>().toMatchTypeOf<TargetName>();
    // @ts-expect-error an unknown target is a type error
    connect('no-such-target');
  });

  it('reports migration outcomes as a closed union', () => {
    expectTypeOf<MigrationResult['status']>().toEqualTypeOf<'applied' | 'skipped' | 'failed' | 'reverted'>();
    expectTypeOf<MigrateResult['to']>().toEqualTypeOf<string | null>();
  });

  it('takes migrate() by target name or by connection, and resolves to the run', () => {
    expectTypeOf(migrate('todo')).resolves.toEqualTypeOf<MigrateResult>();
    expectTypeOf(migrate('todo', 'pglite:memory:', { to: 'phase2' })).resolves.toEqualTypeOf<MigrateResult>();
    expectTypeOf(migrate({} as Connection<'letta'>)).resolves.toEqualTypeOf<MigrateResult>();
    // @ts-expect-error an unknown target is a type error
    migrate('no-such-target');
    // @ts-expect-error options come after the location
    migrate('todo', { to: 'phase2' }, 'pglite:memory:');
  });
});
