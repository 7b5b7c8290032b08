/**
 * No URL shape prints its password: every command that takes a location, with and without
 * `--json`, through `--db` and `DATABASE_URL`, run as separate processes whose whole stdout and
 * stderr are searched for the secret.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const runner = path.join(root, 'test', 'fixtures', 'engine', 'cli-runner.ts');
const bin = path.join(root, 'bin', 'chatstore.js');

// Port 1 refuses at once: every command fails connecting, after the URL went through the code.
const shapes: { url: string; secrets: string[]; shown: string }[] = [
  { url: 'postgres://app:p@ss-W0rd@127.0.0.1:1/chat', secrets: ['p@ss-W0rd', 'ss-W0rd'], shown: 'app:***@127.0.0.1:1' },
  { url: 'postgres://:Empty-S3cret@127.0.0.1:1/chat', secrets: ['Empty-S3cret'], shown: '//:***@127.0.0.1:1' },
  { url: 'postgres://app@127.0.0.1:1/chat?password=Query-S3cret', secrets: ['Query-S3cret'], shown: 'password=***' },
  {
    url: 'postgres://app@127.0.0.1:1/chat?sslmode=disable&sslpassword=Ssl-S3cret',
    secrets: ['Ssl-S3cret'],
    shown: 'sslpassword=***',
  },
  {
    url: 'postgresql://app:Enc%40ded-S3cret@127.0.0.1:1/chat',
    secrets: ['Enc%40ded-S3cret', 'Enc@ded-S3cret', 'ded-S3cret'],
    shown: 'app:***@127.0.0.1:1',
  },
  {
    url: 'postgres://app:sl/ash?S3cret@127.0.0.1:1/chat',
    secrets: ['sl/ash?S3cret', 'ash?S3cret'],
    shown: 'app:***@127.0.0.1:1',
  },
];

function commandsFor(url: string) {
  return [
    { argv: ['migrate', 'todo', '--db', url] },
    { argv: ['migrate', 'todo', '--db', url, '--json'] },
    { argv: ['status', 'todo', '--db', url, '--json'] },
    { argv: ['adopt', 'todo', '--db', url] },
    { argv: ['adopt', 'todo', `--db=${url}`, '--json'] },
    // The dialect-mismatch error names the location.
    { argv: ['status', 'letta', '--db', url] },
    { argv: ['status', 'todo'], databaseUrl: url },
    { argv: ['migrate', 'agent', '--json'], databaseUrl: url },
    { argv: ['migrate', 'todo', '--db', url, '--bogus'] },
  ];
}

describe('no URL shape prints its password', () => {
  it('through every command that takes a location, with and without --json and DATABASE_URL', {
    timeout: 240_000,
  }, async () => {
    const commands = shapes.flatMap((s) => commandsFor(s.url));
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', runner, JSON.stringify(commands)], {
      cwd: root,
      timeout: 200_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const output = `${stdout}\n${stderr}`;
    // Every command ran and failed (1: cannot connect, 2: usage); none passed silently.
    const codes = [...stdout.matchAll(/^#exit (\d+)$/gm)].map((m) => Number(m[1]));
    expect(codes).toHaveLength(commands.length);
    expect(codes.every((c) => c === 1 || c === 2)).toBe(true);
    expect(stderr).toContain('[CONNECTION_FAILED]');
    expect(stderr).toContain('[DIALECT_MISMATCH]');
    for (const shape of shapes) {
      expect(output, shape.url).toContain(shape.shown);
      for (const secret of shape.secrets) expect(output.includes(secret), `${secret} printed`).toBe(false);
    }
  });

  it('as the installed command prints it', { timeout: 120_000 }, async () => {
    const url = 'postgres://app:p@ss-W0rd@127.0.0.1:1/chat?sslpassword=Ssl-S3cret';
    const result = await run(process.execPath, [bin, 'migrate', 'todo', '--db', url, '--json'], { cwd: root }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result?.code).toBe(1);
    const output = `${result?.stdout}${result?.stderr}`;
    expect(output).toContain('postgres://app:***@127.0.0.1:1/chat?sslpassword=***');
    for (const secret of ['p@ss-W0rd', 'ss-W0rd', 'Ssl-S3cret']) expect(output).not.toContain(secret);
  });
});
