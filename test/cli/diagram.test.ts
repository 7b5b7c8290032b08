/** ER diagrams: drawn from the schema modules, embedded in every target guide, and stale ones fail here. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';
import { diagram, guideOf, staleDiagrams, updateDiagrams } from '../../src/cli/diagram';
import { packageRoot } from '../../src/paths';
import { targets } from '../../src/targets/registry';

const root = mkdtempSync(path.join(tmpdir(), 'chatstore-diagram-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('chatstore diagram', () => {
  it('draws tables with their key columns and every foreign key', () => {
    const todo = diagram(targets.todo);
    expect(todo).toMatch(/^erDiagram\n/);
    expect(todo).toContain('  users {\n    varchar id PK\n    varchar email UK\n  }');
    expect(todo).toContain('  users ||--o{ tasks : "user_id"');
    // conversation_metadata.conversation_id is unique: one metadata row per conversation.
    expect(todo).toContain('  conversations ||--o| conversation_metadata : "conversation_id"');
    const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
    const agent = diagram(targets.agent);
    expect([count(agent, /^ {2}\w+ \{$/gm), count(agent, / : "/g)]).toEqual([16, 25]);
    const system = diagram(targets['tatlock-system']);
    expect([count(system, /^ {2}\w+ \{$/gm), count(system, / : "/g)]).toEqual([11, 7]);
  });

  it('draws an older generation on request, and refuses an unknown one', async () => {
    expect(diagram(targets.todo, 'phase2')).not.toContain('conversations');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), progress: false };
    expect(await main(['diagram', 'todo', '--generation', 'phase9'], io)).toBe(2);
    expect(out.join('\n')).toContain('Unknown generation "phase9" for todo');
  });
});

describe('diagrams in the target guides', () => {
  it('every guide embeds the current diagram of each of its targets (run `npm run docs:diagrams`)', () => {
    expect(staleDiagrams()).toEqual([]);
  });

  it('notices a stale diagram and redraws it', () => {
    cpSync(path.join(packageRoot, 'docs'), path.join(root, 'docs'), { recursive: true });
    const guide = guideOf(targets.todo, root);
    writeFileSync(guide, readFileSync(guide, 'utf8').replace('    varchar email UK\n', ''));
    expect(staleDiagrams(root)).toEqual(['todo']);
    expect(updateDiagrams(root)).toEqual(['docs/targets/todo.md']);
    expect(staleDiagrams(root)).toEqual([]);
  });
});
