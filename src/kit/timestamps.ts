/**
 * PostgreSQL's timestamp text as drizzle's `PgTimestamp.mapFromDriverValue` decodes it
 * (`new Date(text)`, or `new Date(text + '+0000')` without a time zone), without going through
 * the engine's date parser for the shape PostgreSQL prints: `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM]]`.
 * The result is the same `Date` (fractions past milliseconds truncated, as the parser does); any
 * other text (`infinity`, years before 1000 or after 9999, offsets with seconds) takes the
 * parser, so nothing differs. Reading a list of 50 rows parses 100 of these: the parser's cost
 * was most of what a server read cost above the driver (decision 026).
 */

const zero = 48;

/** The digits at `from` (`count` of them) as a number, or -1 if one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - zero;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number) =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : (monthDays[month - 1] ?? 31);

/** Milliseconds since the epoch of `text`, or NaN when it is not in the usual shape. */
function fastTime(text: string, withTimezone: boolean): number {
  const n = text.length;
  if (n < 19 || text[4] !== '-' || text[7] !== '-' || text[10] !== ' ' || text[13] !== ':' || text[16] !== ':')
    return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return Number.NaN;
  // A day past its month's end would roll over here; the parser decides that case.
  if (day > 28 && day > daysIn(year, month)) return Number.NaN;
  let at = 19;
  let ms = 0;
  if (text[at] === '.') {
    const start = ++at;
    while (at < n && at - start < 6 && text.charCodeAt(at) >= zero && text.charCodeAt(at) <= zero + 9) at++;
    const count = at - start;
    if (count === 0) return Number.NaN;
    ms = digits(text, start, Math.min(count, 3)) * (count >= 3 ? 1 : count === 2 ? 10 : 100);
  }
  let offsetMinutes = 0;
  if (withTimezone) {
    const sign = text[at] === '+' ? 1 : text[at] === '-' ? -1 : 0;
    if (sign === 0) return Number.NaN;
    const hours = digits(text, at + 1, 2);
    at += 3;
    let minutes = 0;
    if (at < n) {
      if (text[at] === ':') at++;
      minutes = digits(text, at, 2);
      at += 2;
    }
    if (hours < 0 || minutes < 0 || hours > 15 || minutes > 59) return Number.NaN;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  if (at !== n) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
}

/** drizzle's `Date` for a timestamp column's text (see above). */
export function timestampFromText(text: string, withTimezone: boolean): Date {
  const time = fastTime(text, withTimezone);
  if (!Number.isNaN(time)) return new Date(time);
  return new Date(withTimezone ? text : `${text}+0000`);
}
