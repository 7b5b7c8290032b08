/**
 * The compiled fast path of `parseInput` (src/kit/fast-input.ts, decision 031) only ever says
 * yes: whatever input it accepts, findUnstorable and zod accept too, and zod returns the same
 * value (same keys, same order). Checked for the hot paths' own schemas and a few more shapes,
 * over generated inputs that are mostly near-valid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInput } from '../../src/kit';
import { fastInput, MISS } from '../../src/kit/fast-input';
import { findUnstorable } from '../../src/kit/storable';
import {
  AppendMessageInput,
  ConversationRef,
  ListConversationsInput,
  LoadHistoryInput,
  LoadRecentInput,
  UserId,
} from '../../src/targets/todo';

const other = z.object({
  id: z.uuid(),
  code: z.string().regex(/^[a-z]{2,4}$/),
  count: z.number().int().min(0).max(10).optional(),
  ratio: z.number().gt(0).lt(1).nullable(),
  flag: z.boolean().default(false),
  note: z.string().max(3).nullish(),
});

const schemas = {
  LoadHistoryInput,
  LoadRecentInput,
  ListConversationsInput,
  AppendMessageInput,
  ConversationRef,
  UserId,
  other,
} as const;

const guid = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    '5b1f6a3e-3a52-4c5a-9a58-6b1e4f1f2a11',
    '5B1F6A3E-3A52-4C5A-9A58-6B1E4F1F2A1G',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.string({ minLength: 35, maxLength: 37 }),
);
const text = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'a',
    'u1',
    'add_task',
    'user',
    'assistant',
    'x'.repeat(255),
    'x'.repeat(256),
    '😀',
    'a\u0000b',
    '\ud800',
    'ab',
  ),
  fc.string({ maxLength: 8, unit: 'binary' }),
  fc.string({ maxLength: 300 }),
);
const value = fc.oneof(
  guid,
  text,
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    0,
    1,
    20,
    21,
    499,
    500,
    501,
    1000,
    1001,
    -1,
    0.5,
    1.5,
    Number.NaN,
    Infinity,
    2 ** 53,
  ),
  fc.integer(),
  fc.double(),
  fc.constant({}),
  fc.constant([]),
  fc.constant(new Date(0)),
);
const keys = [
  'conversationId',
  'userId',
  'after',
  'limit',
  'archived',
  'role',
  'content',
  'toolUsed',
  'actionTaken',
  'id',
  'code',
  'count',
  'ratio',
  'flag',
  'note',
  'extra',
  'toString',
  '__proto__',
];
// Mostly valid records (each key optional), so the accepting side is exercised too.
const nearValid = fc.record(
  {
    conversationId: fc.oneof(fc.uuid(), guid),
    userId: fc.oneof(fc.constantFrom('u1', 'auth0|42', '😀', 'x'.repeat(255)), text),
    after: fc.oneof(fc.uuid(), fc.constant(undefined)),
    limit: fc.oneof(fc.integer({ min: 0, max: 1002 }), value),
    archived: fc.oneof(fc.boolean(), value),
    role: fc.constantFrom('user', 'assistant', 'system'),
    content: text,
    toolUsed: fc.oneof(fc.constantFrom(null, undefined, 'add_task', ''), text),
    actionTaken: fc.oneof(fc.constantFrom(null, undefined), text),
    id: fc.uuid(),
    code: fc.constantFrom('ab', 'abcd', 'abcde', 'A'),
    count: fc.oneof(fc.integer({ min: -1, max: 11 }), fc.constant(undefined)),
    ratio: fc.oneof(fc.double({ min: 0, max: 1 }), fc.constant(null)),
    flag: fc.oneof(fc.boolean(), fc.constant(undefined)),
    note: fc.oneof(fc.constantFrom(null, undefined, 'abc', 'abcd', '😀😀'), text),
  },
  { requiredKeys: [] },
);
const input = fc.oneof(
  nearValid,
  nearValid,
  fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 8 }),
  value,
  fc.constant(Object.create(null)),
);

describe('fastInput', () => {
  it('accepts only what findUnstorable and zod accept, returning zod’s value', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      let accepted = 0;
      fc.assert(
        fc.property(input, fc.boolean(), (generated, onlyItsKeys) => {
          // Mostly the schema's own keys: an input with others is always left to zod.
          const shape = (schema as { shape?: object }).shape;
          const candidate =
            onlyItsKeys && shape && typeof generated === 'object' && generated !== null && !Array.isArray(generated)
              ? Object.fromEntries(Object.entries(generated).filter(([key]) => Object.hasOwn(shape, key)))
              : generated;
          const fast = fastInput(schema, candidate);
          if (fast === MISS) return;
          accepted++;
          expect(findUnstorable(candidate), name).toBeUndefined();
          const parsed = schema.safeParse(candidate);
          expect(parsed.success, name).toBe(true);
          expect(fast, name).toStrictEqual(parsed.data);
          if (typeof fast === 'object' && fast !== null)
            expect(Object.keys(fast), name).toEqual(Object.keys(parsed.data as object));
        }),
        { numRuns: 3000, seed: 31 },
      );
      expect(accepted, `${name}: inputs the fast path took`).toBeGreaterThan(20);
    }
  });

  it('takes the usual inputs of the hot paths', () => {
    const id = '5b1f6a3e-3a52-4c5a-9a58-6b1e4f1f2a11';
    const cases: [z.ZodType, unknown][] = [
      [LoadHistoryInput, { conversationId: id, userId: 'u1', limit: 20 }],
      [LoadHistoryInput, { conversationId: id, userId: 'u1', after: id }],
      [LoadRecentInput, { conversationId: id, userId: 'u1', limit: 20 }],
      [ListConversationsInput, { userId: 'u1', limit: 50 }],
      [ListConversationsInput, { userId: 'u1', archived: false }],
      [ConversationRef, { conversationId: id, userId: 'u1' }],
      [
        AppendMessageInput,
        {
          conversationId: id,
          userId: 'u1',
          role: 'assistant',
          content: 'Added "milk".',
          toolUsed: 'add_task',
          actionTaken: 'created task 7',
        },
      ],
      [AppendMessageInput, { conversationId: id, userId: 'u1', role: 'user', content: 'hi', toolUsed: undefined }],
      [UserId, 'auth0|42'],
      [other, { id, code: 'abc', ratio: null }],
    ];
    for (const [schema, candidate] of cases) {
      const fast = fastInput(schema, candidate);
      expect(fast).not.toBe(MISS);
      expect(fast).toStrictEqual(schema.parse(candidate));
    }
  });

  it('leaves errors to zod: VALIDATION naming the field, as before', () => {
    const id = '5b1f6a3e-3a52-4c5a-9a58-6b1e4f1f2a11';
    for (const [candidate, field] of [
      [{ conversationId: 'nope', userId: 'u1' }, 'conversationId'],
      [{ conversationId: id, userId: '' }, 'userId'],
      [{ conversationId: id, userId: 'u1', limit: 501 }, 'limit'],
      [{ conversationId: id, userId: 'u\u0000' }, 'userId'],
      [{ conversationId: id, userId: 'u1', extra: '\ud800' }, 'extra'],
    ] as const) {
      expect(() => parseInput(LoadHistoryInput, candidate, 'messages')).toThrow(
        expect.objectContaining({ code: 'VALIDATION', field }),
      );
    }
  });
});
