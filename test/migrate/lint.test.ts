/** Migration lint: each rule fires on what it names and not on new tables; acknowledgements and check. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBookkeeping } from '../../src/migrate/bookkeeping';
import { checkTarget } from '../../src/migrate/check';
import { lintRuleIds, lintSet } from '../../src/migrate/lint';
import { loadMigrations } from '../../src/migrate/migrations';
import { packageRoot } from '../../src/paths';
import { type Dialect, targetNames, targets } from '../../src/targets/registry';
import { fixtureSet } from '../../support/fixtures';

const bp = '\n--> statement-breakpoint\n';
const base = `CREATE TABLE "users" ("id" text PRIMARY KEY, "name" text);${bp}CREATE TABLE "posts" ("id" text PRIMARY KEY, "user_id" text);`;

/** Rules found in a second migration `sql` run after `base`. */
function rulesOf(sql: string, dialect: Dialect = 'postgresql') {
  const set = fixtureSet('lint', dialect, [
    ['0000_g1', base],
    ['0001_g2__step', sql],
  ]);
  return lintSet(set).map((f) => `${f.rule} ${f.subject}${f.acknowledged ? ` (${f.acknowledged})` : ''}`);
}

describe('migration lint rules', () => {
  it('flags each risky operation on an existing PostgreSQL table', () => {
    expect(rulesOf('DROP TABLE "posts";')).toEqual(['drop-table posts']);
    expect(rulesOf('ALTER TABLE "users" DROP COLUMN "name";')).toEqual(['drop-column users.name']);
    expect(rulesOf('ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(20);')).toEqual([
      'type-change users.name',
    ]);
    expect(rulesOf('ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;')).toEqual(['set-not-null users.name']);
    expect(rulesOf('CREATE INDEX "i" ON "posts" USING btree ("user_id");')).toEqual(['index-not-concurrent posts']);
    expect(
      rulesOf('ALTER TABLE "posts" ADD CONSTRAINT "f" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");'),
    ).toEqual(['fk-not-valid posts']);
    expect(rulesOf('ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";')).toEqual([
      'rename users.name → full_name',
    ]);
    expect(rulesOf('ALTER TABLE "users" RENAME TO "people";')).toEqual(['rename users → people']);
  });

  it('stays quiet on safe forms and on tables the same migration creates', () => {
    expect(
      rulesOf(
        'ALTER TABLE "posts" ADD CONSTRAINT "f" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID;' +
          `${bp}ALTER TABLE "users" ADD COLUMN "age" integer;${bp}ALTER TABLE "users" ALTER COLUMN "name" DROP NOT NULL;`,
      ),
    ).toEqual([]);
    expect(
      rulesOf(
        `CREATE TABLE "tags" ("id" text, "name" text);${bp}CREATE INDEX "t" ON "tags" ("name");${bp}` +
          `ALTER TABLE "tags" ALTER COLUMN "name" SET NOT NULL;${bp}ALTER TABLE "tags" ADD CONSTRAINT "f" FOREIGN KEY ("id") REFERENCES "users"("id");${bp}DROP TABLE "tags";`,
      ),
    ).toEqual([]);
  });

  it('sees a SQLite table rebuild as one finding, not a drop and a rename; PostgreSQL-only rules stay silent', () => {
    const rebuild = [
      'PRAGMA foreign_keys=OFF;',
      'CREATE TABLE `__new_posts` (`id` text PRIMARY KEY, `user_id` text REFERENCES `users`(`id`));',
      'INSERT INTO `__new_posts`("id", "user_id") SELECT "id", "user_id" FROM `posts`;',
      'DROP TABLE `posts`;',
      'ALTER TABLE `__new_posts` RENAME TO `posts`;',
      'PRAGMA foreign_keys=ON;',
      'CREATE INDEX `i` ON `posts` (`user_id`);',
    ].join(bp);
    expect(rulesOf(rebuild, 'sqlite')).toEqual(['sqlite-rebuild posts']);
  });

  it('takes an acknowledgement from a comment naming the rule', () => {
    expect(
      rulesOf(
        '-- chatstore-lint allow drop-column, rename: moved to profiles first\nALTER TABLE "users" DROP COLUMN "name";',
      ),
    ).toEqual(['drop-column users.name (moved to profiles first)']);
    expect(
      rulesOf('-- chatstore-lint allow drop-table: not this rule\nALTER TABLE "users" DROP COLUMN "name";'),
    ).toEqual(['drop-column users.name']);
  });

  it('has an id and a one-line explanation for every rule', () => {
    expect(lintRuleIds).toEqual([
      'drop-table',
      'drop-column',
      'type-change',
      'set-not-null',
      'index-not-concurrent',
      'fk-not-valid',
      'rename',
      'sqlite-rebuild',
    ]);
  });
});

describe('lint in chatstore check', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it.each(targetNames)('every finding in the committed %s migrations is acknowledged', (name) => {
    const set = loadMigrations(targets[name]);
    expect(lintSet(set, readBookkeeping(set.dir)).filter((f) => f.acknowledged === undefined)).toEqual([]);
  });

  it('fails on an unacknowledged finding and on an acknowledgement that matches nothing', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'chatstore-lint-'));
    roots.push(root);
    cpSync(path.join(packageRoot, 'drizzle'), path.join(root, 'drizzle'), { recursive: true });
    const file = path.join(root, 'drizzle', 'tatlock-user.chatstore.json');
    const bookkeeping = JSON.parse(readFileSync(file, 'utf8'));
    delete bookkeeping.acknowledged['0006_0.3.22.sql'];
    bookkeeping.acknowledged['0008_0.3.23.sql']['drop-colum'] = 'a typo';
    writeFileSync(file, JSON.stringify(bookkeeping));
    const problems = (await checkTarget(targets['tatlock-user'], root)).map((p) => p.message);
    expect(problems).toEqual([
      expect.stringMatching(
        /^lint 0006_0\.3\.22\.sql statement 1: \[drop-table\] conversation_compacts: drops a table/,
      ),
      'lint: the bookkeeping file acknowledges drop-colum for 0008_0.3.23.sql, which does not trigger it',
    ]);
  });
});
