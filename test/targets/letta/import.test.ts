import { describe, expect, it } from 'vitest';
import {
  type ImportMessageRow,
  type ImportProgress,
  importMessages,
  resolveIdentity,
} from '../../../src/targets/letta';
import { expectChatstoreError } from '../../support/database';
import { useLettaDatabase } from './fixtures';

async function* slowly<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

const count = (t: ReturnType<typeof useLettaDatabase>) =>
  t.raw.prepare('select (select count(*) from messages) + (select count(*) from queue) as n').pluck().get();

describe('letta importMessages on sqlite', () => {
  const t = useLettaDatabase();
  let n = 0;
  const identity = () => resolveIdentity(t.db, { platform: 'telegram', platformUserId: `import-${++n}` });

  function history(lettaUserId: number, profileId: number, size: number): ImportMessageRow[] {
    const start = Date.UTC(2024, 0, 1);
    return Array.from({ length: size }, (_, i) => ({
      lettaUserId,
      profileId,
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      message: `message ${i}\nwith 'quotes'`,
      at: new Date(start + i * 1000),
    }));
  }

  it('imports an array: counts, contents, nothing queued, progress', async () => {
    const { user, profile } = identity();
    const rows = history(user.id, profile.id, 25_000);
    const progress: ImportProgress[] = [];
    expect(await importMessages(t.db, rows, { onProgress: (p) => progress.push(p) })).toEqual({ rows: 25_000 });
    expect(progress.at(-1)).toEqual({ done: 25_000, total: 25_000 });
    const stored = t.raw
      .prepare('select role, message, timestamp, processed from messages where letta_user_id = ? order by id limit 2')
      .all(user.id);
    expect(stored).toEqual([
      { role: 'user', message: rows[0]?.message, timestamp: '2024-01-01 00:00:00.000', processed: 1 },
      { role: 'assistant', message: rows[1]?.message, timestamp: '2024-01-01 00:00:01.000', processed: 1 },
    ]);
    expect(t.raw.prepare('select count(*) from queue where letta_user_id = ?').pluck().get(user.id)).toBe(0);
  });

  it('imports an async iterable', async () => {
    const { user, profile } = identity();
    expect(await importMessages(t.db, slowly(history(user.id, profile.id, 700)))).toEqual({ rows: 700 });
  });

  it('refuses a bad row by its index and writes nothing', async () => {
    const { user, profile } = identity();
    const rows = history(user.id, profile.id, 12_000);
    rows[11_111] = { ...(rows[11_111] as ImportMessageRow), message: '   ' };
    const before = count(t);
    await expectChatstoreError(importMessages(t.db, rows), 'VALIDATION', 'rows.11111.message');
    await expectChatstoreError(importMessages(t.db, slowly(rows)), 'VALIDATION', 'rows.11111.message');
    expect(count(t)).toBe(before);
  });

  it('writes nothing when a row names another user’s profile or an unknown user', async () => {
    const a = identity();
    const b = identity();
    const rows = history(a.user.id, a.profile.id, 5_000);
    const before = count(t);
    rows[4_000] = { ...(rows[4_000] as ImportMessageRow), profileId: b.profile.id };
    await expectChatstoreError(importMessages(t.db, rows), 'NOT_FOUND', 'rows.4000.profileId');
    rows[4_000] = { ...(rows[4_000] as ImportMessageRow), lettaUserId: 999_999, profileId: undefined };
    await expectChatstoreError(importMessages(t.db, rows), 'NOT_FOUND', 'rows.4000.lettaUserId');
    expect(count(t)).toBe(before);
  });

  it.each(['rebuild', 'maintain'] as const)(
    'with indexes %s, leaves the schema as it was, after an import and after a failed one',
    async (indexes) => {
      const schema = () => t.raw.prepare('select type, name, sql from sqlite_master order by name').all();
      const before = schema();
      const { user, profile } = identity();
      const rows = history(user.id, profile.id, 2_000);
      expect(await importMessages(t.db, rows, { indexes })).toEqual({ rows: 2_000 });
      expect(schema()).toEqual(before);
      const counted = count(t);
      await expectChatstoreError(
        importMessages(t.db, [...rows, { ...(rows[0] as ImportMessageRow), lettaUserId: 999_999 }], { indexes }),
        'NOT_FOUND',
        'rows.2000.lettaUserId',
      );
      expect(schema()).toEqual(before);
      expect(count(t)).toBe(counted);
      expect(t.raw.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    },
  );
});
