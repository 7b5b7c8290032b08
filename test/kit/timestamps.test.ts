/**
 * The floor's timestamp decoding must give exactly the `Date` drizzle's own decoding gives
 * (`new Date(text)`, `+0000` appended without a time zone) for every text PostgreSQL prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timestampFromText } from '../../src/kit/timestamps';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** PostgreSQL's text of a timestamp: fractions of 0–6 digits, trailing zeros trimmed, an offset or none. */
const text = fc
  .record({
    year: fc.integer({ min: 1, max: 12_000 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    offset: fc.option(fc.integer({ min: -15 * 60, max: 15 * 60 }), { nil: undefined }),
  })
  .map(({ year, month, day, hour, minute, second, micros, offset }) => {
    const fraction = micros === 0 ? '' : `.${pad(micros, 6)}`.replace(/0+$/, '');
    const base = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}`;
    if (offset === undefined) return { value: base, withTimezone: false };
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const minutes = abs % 60 === 0 ? '' : `:${pad(abs % 60, 2)}`;
    return { value: `${base}${sign}${pad(Math.floor(abs / 60), 2)}${minutes}`, withTimezone: true };
  });

const drizzles = (value: string, withTimezone: boolean) => new Date(withTimezone ? value : `${value}+0000`);

describe('timestampFromText', () => {
  it('equals drizzle’s decoding for every timestamp text PostgreSQL prints', () => {
    fc.assert(
      fc.property(text, ({ value, withTimezone }) => {
        expect(timestampFromText(value, withTimezone).getTime(), value).toEqual(
          drizzles(value, withTimezone).getTime(),
        );
      }),
      { numRuns: 20_000, seed: 1130 },
    );
  });

  it('and for the texts it leaves to the parser', () => {
    for (const [value, withTimezone] of [
      ['infinity', true],
      ['-infinity', false],
      ['0099-01-01 00:00:00+00', true],
      ['2024-02-30 00:00:00', false],
      ['2024-02-29 23:59:59.999999', false],
      ['1900-01-01 00:00:00+00:53:28', true],
      ['12345-06-07 08:09:10+00', true],
      ['2026-11-30 16:28:00 BC', false],
      ['20ab-01-01 00:00:00+00', true],
      ['2024-1a-01 00:00:00', false],
      ['2024-01-01 00:00:00.', false],
      ['2024-01-01 00:00:00.1234567', false],
      ['2024-01-01 00:00:00+05:30:15', true],
      ['2024-01-01 00:00:00+0530', true],
      ['2024-01-01 00:00:00+5', true],
      ['2024-01-01 00:00:00+16', true],
      ['2024-01-01 00:00:00', true],
      ['2024-01-01 00:00:00+00', false],
    ] as const) {
      expect(timestampFromText(value, withTimezone).getTime(), value).toEqual(drizzles(value, withTimezone).getTime());
    }
  });
});
