/**
 * PostgreSQL's timestamp text as drizzle's `PgTimestamp.mapFromDriverValue` decodes it
 * (`new Date(text)`, or `new Date(text + '+0000')` without a time zone), without going through
 * the engine's date parser for the shape PostgreSQL prints: `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM]]`.
 * The result is the same `Date` (fractions past milliseconds truncated, as the parser does); any
 * other text (`infinity`, years before 1000 or after 9999, offsets with seconds) takes the
 * parser, so nothing differs. Reading a list of 50 rows parses 100 of these: the parser's cost
 * was most of what a server read cost above the driver (decision 026).
 *
 * The fast path reads fixed positions with `charCodeAt` and counts days itself (the proleptic
 * Gregorian calendar, as `Date` does) instead of calling `Date.UTC`: what is left is the one
 * `new Date(ms)` the caller needs (decision 031).
 */

/** The two digits at `at` as a number, or -1000 when either is not a digit (fails every range check). */
function two(text: string, at: number): number {
  const high = text.charCodeAt(at) - 48;
  const low = text.charCodeAt(at + 1) - 48;
  // `>>> 0` turns a negative difference into a large number, so one comparison checks 0–9.
  return high >>> 0 > 9 || low >>> 0 > 9 ? -1000 : high * 10 + low;
}

/** Days in each month of a common year (index 1–12). */
const monthDays = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Milliseconds since the epoch of `text`, or NaN when it is not in the usual shape. */
function fastTime(text: string, withTimezone: boolean): number {
  const n = text.length;
  if (
    n < 19 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  )
    return Number.NaN;
  const century = two(text, 0);
  const yearInCentury = two(text, 2);
  const year = century * 100 + yearInCentury;
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  if (
    century < 10 || // years before 1000 (and a non-digit) take the parser
    yearInCentury < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  // A day past its month's end would roll over here; the parser decides that case.
  if (day > 28 && day > (month === 2 && leap ? 29 : (monthDays[month] as number))) return Number.NaN;
  let at = 19;
  let ms = 0;
  if (at < n && text.charCodeAt(at) === 46) {
    // . then 1–6 digits; the first three are the milliseconds, the rest truncated.
    at++;
    let scale = 100;
    while (at < n && at < 26) {
      const digit = text.charCodeAt(at) - 48;
      if (digit >>> 0 > 9) break;
      ms += digit * scale;
      scale = (scale / 10) | 0;
      at++;
    }
    if (at === 20) return Number.NaN;
  }
  let offsetMinutes = 0;
  if (withTimezone) {
    // ±HH or ±HH:MM; anything else (seconds in the offset) takes the parser.
    const sign = text.charCodeAt(at);
    if ((sign !== 43 && sign !== 45) || at + 3 > n) return Number.NaN;
    const hours = two(text, at + 1);
    let minutes = 0;
    at += 3;
    if (at < n) {
      if (text.charCodeAt(at) !== 58 || at + 3 > n) return Number.NaN;
      minutes = two(text, at + 1);
      at += 3;
    }
    if (hours < 0 || hours > 15 || minutes < 0 || minutes > 59) return Number.NaN;
    offsetMinutes = sign === 43 ? hours * 60 + minutes : -(hours * 60 + minutes);
  }
  if (at !== n) return Number.NaN;
  // Days since 1970-01-01 in a calendar whose year starts in March (the leap day comes last).
  const y = month > 2 ? year : year - 1;
  const dayOfYear = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1;
  const days = y * 365 + ((y / 4) | 0) - ((y / 100) | 0) + ((y / 400) | 0) + dayOfYear - 719_468;
  return days * 86_400_000 + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
}

/** drizzle's `Date` for a timestamp column's text (see above). */
export function timestampFromText(text: string, withTimezone: boolean): Date {
  const time = fastTime(text, withTimezone);
  return Number.isNaN(time) ? new Date(withTimezone ? text : `${text}+0000`) : new Date(time);
}
