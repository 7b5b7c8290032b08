/**
 * System settings (seed 001, `system_settings` and `setting_options`). A setting with enabled
 * options only takes one of them; its effective value is the stored one when that is an enabled
 * option, otherwise (unset, or an option disabled since) the enabled default option.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseField, parseInput } from '../../kit';
import { settingOptions, systemSettings } from '../../schema/tatlock-system';
import { mapped, notFound, type SystemDb } from './internal';

export type SettingOption = typeof settingOptions.$inferSelect;

export interface Setting {
  settingKey: string;
  description: string | null;
  /** The effective value, or `null` when the setting has no valid value and no default. */
  value: string | null;
  /** `stored`: the value set; `default`: the default option stands in for an unset or disabled one. */
  source: 'stored' | 'default' | null;
  /** Enabled options, in the order they were added; empty = any value. */
  options: string[];
}

export const SettingKey = z.string().trim().min(1).max(200);
const Value = z.string().max(10_000);

export const DefineSettingInput = z
  .object({
    settingKey: SettingKey,
    description: z.string().max(1000).nullish(),
    /** The value; default: the default option. */
    value: Value.optional(),
    options: z
      .array(z.object({ value: Value, isDefault: z.boolean().default(false), enabled: z.boolean().default(true) }))
      .default([]),
  })
  .refine((s) => s.options.filter((o) => o.isDefault).length <= 1, {
    message: 'at most one option can be the default',
    path: ['options'],
  })
  .refine((s) => new Set(s.options.map((o) => o.value)).size === s.options.length, {
    message: 'option values must be unique',
    path: ['options'],
  })
  .refine((s) => s.value !== undefined || s.options.some((o) => o.isDefault && o.enabled), {
    message: 'give a value, or an enabled default option',
    path: ['value'],
  });
export type DefineSettingInput = z.input<typeof DefineSettingInput>;

export const SetSettingInput = z.object({ settingKey: SettingKey, value: Value });
export type SetSettingInput = z.input<typeof SetSettingInput>;

export const SetOptionInput = z.object({
  settingKey: SettingKey,
  value: Value,
  isDefault: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
export type SetOptionInput = z.input<typeof SetOptionInput>;

type Tx = Parameters<Parameters<SystemDb['transaction']>[0]>[0];

function enabledOptions(tx: Pick<SystemDb, 'select'>, settingKey: string) {
  return tx
    .select({ value: settingOptions.optionValue, isDefault: settingOptions.isDefault })
    .from(settingOptions)
    .where(and(eq(settingOptions.settingKey, settingKey), eq(settingOptions.enabled, 1)))
    .orderBy(asc(settingOptions.id))
    .all();
}

function notAnOption(settingKey: string, value: string, allowed: string[]): ChatstoreError {
  return new ChatstoreError(
    'VALIDATION',
    `Invalid value: ${JSON.stringify(value)} is not an enabled option of ${settingKey} (${allowed.map((v) => JSON.stringify(v)).join(', ')})`,
    { field: 'value', entity: 'system_settings' },
  );
}

/** Sets a setting's value within a transaction, checking it against the enabled options. */
function store(tx: Tx, settingKey: string, value: string, description?: string | null): void {
  const allowed = enabledOptions(tx, settingKey).map((o) => o.value);
  if (allowed.length > 0 && !allowed.includes(value)) throw notAnOption(settingKey, value, allowed);
  const set = {
    settingValue: value,
    updatedAt: sql`CURRENT_TIMESTAMP`,
    ...(description === undefined ? {} : { description }),
  };
  tx.insert(systemSettings)
    .values({ settingKey, settingValue: value, description: description ?? null })
    .onConflictDoUpdate({ target: systemSettings.settingKey, set })
    .run();
}

/**
 * Creates or redefines a setting with its options, in one transaction. The value defaults to
 * the default option; a value that is not an enabled option is `VALIDATION` on `value`.
 *
 * @example
 * defineSetting(db, {
 *   settingKey: 'ollama_model', description: 'The model Tatlock talks to',
 *   options: [{ value: 'gemma3-cortex:latest', isDefault: true }, { value: 'llama3.2:3b' }],
 * });
 */
export function defineSetting(db: SystemDb, input: DefineSettingInput): Setting {
  const { settingKey, description, value, options } = parseInput(DefineSettingInput, input, 'system_settings');
  const initial = value ?? options.find((o) => o.isDefault && o.enabled)?.value ?? '';
  mapped('system_settings', () =>
    db.transaction((tx) => {
      // The options reference the setting: the row first, with a value checked below.
      tx.insert(systemSettings)
        .values({ settingKey, settingValue: initial, description: description ?? null })
        .onConflictDoUpdate({
          target: systemSettings.settingKey,
          set: { description: description ?? null, updatedAt: sql`CURRENT_TIMESTAMP` },
        })
        .run();
      if (options.length > 0)
        tx.update(settingOptions).set({ isDefault: 0 }).where(eq(settingOptions.settingKey, settingKey)).run();
      for (const o of options) {
        const flags = { isDefault: o.isDefault ? 1 : 0, enabled: o.enabled ? 1 : 0 };
        tx.insert(settingOptions)
          .values({ settingKey, optionValue: o.value, ...flags })
          .onConflictDoUpdate({ target: [settingOptions.settingKey, settingOptions.optionValue], set: flags })
          .run();
      }
      store(tx, settingKey, initial);
    }),
  );
  return getSetting(db, settingKey) as Setting;
}

/**
 * Sets a setting's value, creating the setting if it does not exist. When the setting has
 * enabled options, the value must be one of them (`VALIDATION` on `value`).
 *
 * @example setSetting(db, { settingKey: 'ollama_model', value: 'llama3.2:3b' });
 */
export function setSetting(db: SystemDb, input: SetSettingInput): Setting {
  const { settingKey, value } = parseInput(SetSettingInput, input, 'system_settings');
  mapped('system_settings', () => db.transaction((tx) => store(tx, settingKey, value)));
  return getSetting(db, settingKey) as Setting;
}

/**
 * A setting with its effective value, or `undefined` if it does not exist.
 *
 * @example const { value } = (getSetting(db, 'ollama_model')) ?? {};
 */
export function getSetting(db: SystemDb, settingKey: string): Setting | undefined {
  const key = parseField(SettingKey, settingKey, 'settingKey', 'system_settings');
  return mapped('system_settings', () =>
    db.transaction((tx) => {
      const row = tx.select().from(systemSettings).where(eq(systemSettings.settingKey, key)).get();
      if (!row) return undefined;
      const options = enabledOptions(tx, key);
      const allowed = options.map((o) => o.value);
      const fallback = options.find((o) => o.isDefault === 1)?.value ?? null;
      const valid = row.settingValue !== '' && (allowed.length === 0 || allowed.includes(row.settingValue));
      return {
        settingKey: key,
        description: row.description,
        value: valid ? row.settingValue : fallback,
        source: valid ? 'stored' : fallback !== null ? 'default' : null,
        options: allowed,
      } satisfies Setting;
    }),
  );
}

/**
 * Every setting with its effective value, by key.
 *
 * @example const settings = listSettings(db);
 */
export function listSettings(db: SystemDb): Setting[] {
  const keys = mapped('system_settings', () =>
    db.select({ key: systemSettings.settingKey }).from(systemSettings).orderBy(systemSettings.settingKey).all(),
  );
  const settings: Setting[] = [];
  for (const { key } of keys) {
    const setting = getSetting(db, key);
    if (setting) settings.push(setting);
  }
  return settings;
}

/**
 * Adds an option to a setting or changes its flags. Making an option the default takes the
 * flag from the others. An unknown setting is `NOT_FOUND` on `settingKey`.
 *
 * @example setSettingOption(db, { settingKey: 'ollama_model', value: 'qwen3:8b', enabled: true });
 */
export function setSettingOption(db: SystemDb, input: SetOptionInput): SettingOption {
  const { settingKey, value, isDefault, enabled } = parseInput(SetOptionInput, input, 'setting_options');
  return mapped('setting_options', () =>
    db.transaction((tx) => {
      if (!tx.select().from(systemSettings).where(eq(systemSettings.settingKey, settingKey)).get())
        throw notFound('system_settings', 'settingKey', settingKey);
      if (isDefault)
        tx.update(settingOptions).set({ isDefault: 0 }).where(eq(settingOptions.settingKey, settingKey)).run();
      const flags = {
        ...(isDefault === undefined ? {} : { isDefault: isDefault ? 1 : 0 }),
        ...(enabled === undefined ? {} : { enabled: enabled ? 1 : 0 }),
      };
      const insert = tx.insert(settingOptions).values({ settingKey, optionValue: value, ...flags });
      const target = [settingOptions.settingKey, settingOptions.optionValue];
      return (
        Object.keys(flags).length > 0
          ? insert.onConflictDoUpdate({ target, set: flags })
          : insert.onConflictDoUpdate({ target, set: { optionValue: value } })
      )
        .returning()
        .get();
    }),
  );
}

/**
 * A setting's options (enabled or not), in the order they were added.
 *
 * @example const options = listSettingOptions(db, 'ollama_model');
 */
export function listSettingOptions(db: SystemDb, settingKey: string): SettingOption[] {
  const key = parseField(SettingKey, settingKey, 'settingKey', 'setting_options');
  return mapped('setting_options', () =>
    db.select().from(settingOptions).where(eq(settingOptions.settingKey, key)).orderBy(asc(settingOptions.id)).all(),
  );
}
