/**
 * `dateTime.iso8601` text: the spec's `19980717T14:08:55`, the extended form with dashes, optional
 * fractional seconds, and an optional `Z` or `±hh[:mm]` zone. Text without a zone is read as UTC:
 * the spec leaves the zone to the server, and xmlrpc-c (oned's library) writes UTC.
 */

const DATE_TIME =
  /^(\d{4})(-?)(\d{2})\2(\d{2})T(\d{2})(:?)(\d{2})\6(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses dateTime.iso8601 text; returns undefined when it is not a valid date and time. */
export function parseDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[3]);
  const day = Number(m[4]);
  const hour = Number(m[5]);
  const minute = Number(m[7]);
  const second = Number(m[8]);
  // A Date holds milliseconds: finer digits are dropped, as every XML-RPC library in JS does.
  const millisecond = m[9] === undefined ? 0 : Number(m[9].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // Second 60 (a leap second) has no Date to go to; refusing beats silently moving it.
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = zoneOffsetMinutes(m[10]);
  if (offsetMinutes === undefined) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/**
 * Formats a Date as `YYYYMMDDTHH:MM:SS` in UTC, the form xmlrpc-c and Python's client write and read;
 * milliseconds, when there are any, follow as `.mmm` (xmlrpc-c reads them; Python keeps the text).
 * Returns undefined for an invalid Date or a year outside 0–9999.
 */
export function formatDateTime(date: Date): string | undefined {
  const time = date.getTime();
  if (Number.isNaN(time)) return undefined;
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  const ms = date.getUTCMilliseconds();
  const text =
    pad(year, 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    "T" +
    pad(date.getUTCHours(), 2) +
    ":" +
    pad(date.getUTCMinutes(), 2) +
    ":" +
    pad(date.getUTCSeconds(), 2);
  return ms === 0 ? text : `${text}.${pad(ms, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * Formats a Date as xapi writes a `dateTime.iso8601` (`ocaml/libs/clock/date.ml`):
 * `YYYYMMDDTHH:MM:SSZ` in UTC, whole seconds (milliseconds dropped). Returns undefined for an
 * invalid Date or a year outside 0–9999.
 */
export function formatDateTimeXapi(date: Date): string | undefined {
  const time = date.getTime();
  if (Number.isNaN(time)) return undefined;
  const text = formatDateTime(new Date(time - date.getUTCMilliseconds()));
  return text === undefined ? undefined : `${text}Z`;
}
