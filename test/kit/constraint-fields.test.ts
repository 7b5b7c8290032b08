/**
 * The constraint → field names of every target's kit are derived from its latest schema module
 * (decision 022): each constraint the schema declares names an input field, and only what the
 * schema cannot say is written by hand.
 */
import { describe, expect, it } from 'vitest';
import type { KitBase, SchemaConstraint } from '../../src/kit';
import { postgresqlConstraints } from '../../src/kit/postgresql';
import { sqliteConstraints } from '../../src/kit/sqlite';
import { kit as agent } from '../../src/targets/agent/internal';
import { kit as letta } from '../../src/targets/letta/internal';
import { targetNames, targets } from '../../src/targets/registry';
import { kit as tatlockSystem } from '../../src/targets/tatlock-system/internal';
import { kit as tatlockUser } from '../../src/targets/tatlock-user/internal';
import { kit as telegram } from '../../src/targets/telegram/internal';
import { kit as todo } from '../../src/targets/todo/internal';

const kits: Record<(typeof targetNames)[number], KitBase> = {
  agent,
  letta,
  'tatlock-system': tatlockSystem,
  'tatlock-user': tatlockUser,
  telegram,
  todo,
};

function latestConstraints(name: (typeof targetNames)[number]): SchemaConstraint[] {
  const target = targets[name];
  const latest = target.generations.at(-1);
  if (!latest) throw new Error(`${name} has no generation`);
  return target.dialect === 'postgresql' ? postgresqlConstraints(latest.schema) : sqliteConstraints(latest.schema);
}

describe('constraint → field names', () => {
  it.each(targetNames)('%s: every constraint of the latest schema names a field', (name) => {
    const constraints = latestConstraints(name);
    expect(constraints.length).toBeGreaterThan(0);
    const kit = kits[name];
    const missing = constraints.filter((c) => kit.fields[c.name] === undefined).map((c) => `${c.table}.${c.name}`);
    expect(missing).toEqual([]);
    // Derived fields are the keys of the columns the constraint covers.
    for (const c of constraints) {
      if (Object.hasOwn(kit.handWritten, c.name)) continue;
      expect(c.fields, `${c.table}.${c.name}`).toContain(kit.fields[c.name]);
    }
  });

  it('writes little by hand, and nothing the schema already says', () => {
    const handWritten = Object.entries(kits).flatMap(([name, kit]) =>
      Object.entries(kit.handWritten).map(([constraint, field]) => {
        const derived = kit.constraints.find((c) => c.name === constraint)?.fields[0];
        expect(derived, `${name}: ${constraint} is derived as ${field} already`).not.toBe(field);
        return `${name}: ${constraint} → ${field}`;
      }),
    );
    expect(handWritten.length).toBeLessThanOrEqual(6);
    for (const kit of Object.values(kits)) expect(Object.keys(kit.handWritten).length).toBeLessThanOrEqual(4);
  });

  it('derives what the hand-kept maps said', () => {
    expect(todo.fields).toMatchObject({
      users_pkey: 'id',
      users_email_key: 'email',
      messages_role_check: 'role',
      conversation_metadata_conversation_id_key: 'conversationId',
    });
    expect(agent.fields).toMatchObject({
      check_content_structure: 'content',
      agent_memories_importance_check: 'importance',
      unique_current_state: 'agentId',
      context_templates_name_key: 'name',
      chat_message_id_map_new_id_key: 'newId',
    });
    expect(telegram.fields).toMatchObject({
      uq_authentication_data_active_user: 'userId',
      uq_dialog_response: 'dialogId',
      user_selected_models_user_id_key: 'userId',
    });
    expect(tatlockSystem.fields).toMatchObject({ roles_role_name_unique: 'roleName' });
    expect(tatlockUser.fields).toMatchObject({ conversation_messages_role_check: 'role' });
  });
});
