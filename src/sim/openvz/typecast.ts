/**
 * How the panel turns request parameters (always strings) into column values: ActiveRecord 2.3's
 * typecasting (FACTS §3.4: "ActiveRecord typecasts integer columns, so `memory=abc` becomes 0"),
 * and the Ruby string predicates the model leans on (`blank?`, `to_i`, `split`).
 */

/** Ruby's `blank?` for what a column or parameter can hold: nil, or a string of whitespace only. */
export function isBlank(value: string | number | boolean | null | undefined): boolean {
  if (value === null || value === undefined || value === false) return true;
  if (typeof value === "string") return !/\S/.test(value);
  return false;
}

/**
 * Ruby's `String#to_i`: leading whitespace, an optional sign, then digits (underscores between
 * them allowed); anything else ends the number; no digits at all is 0 (`"abc".to_i == 0`,
 * `"12abc".to_i == 12`, `"1.5".to_i == 1`).
 */
export function rubyToI(text: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+(?:_\d+)*)/.exec(text);
  if (!m) return 0;
  const n = Number((m[1] as string).replace(/_/g, ""));
  return Number.isFinite(n) ? n : 0;
}

/** An integer column (ActiveRecord 2.3 `convert_number_column_value` then `type_cast`): blank → NULL, else `to_i`. */
export function castInteger(value: string): number | null {
  if (value === "" || isBlank(value)) return null;
  return rubyToI(value);
}

/** ActiveRecord 2.3's `TRUE_VALUES`; every other non-blank value is false. */
const TRUE_VALUES = new Set(["1", "t", "T", "true", "TRUE"]);

/** A boolean column (`value_to_boolean`): blank → NULL, one of `TRUE_VALUES` → true, anything else false. */
export function castBoolean(value: string): boolean | null {
  if (isBlank(value)) return null;
  return TRUE_VALUES.has(value);
}

/**
 * A date column as ActiveRecord 2.3 reads a string (`string_to_date`): empty → NULL; `YYYY-MM-DD`,
 * or the day first (`DD-MM-YYYY`, which the model's `expiration_date=` makes of the panel's
 * `DD.MM.YYYY` by turning dots into dashes); an impossible date or another form → NULL.
 */
export function castDate(value: string): string | null {
  const text = value.trim();
  if (text === "") return null;
  let y: number;
  let m: number;
  let d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{1,2})-(\d{1,2})-(\d{4})$/.exec(text))) {
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    return null;
  }
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Ruby's `String#downcase` (Ruby 1.8 to 2.3): ASCII letters only, everything else as it is. */
export function rubyDowncase(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Ruby's `String#split` with no argument: on runs of whitespace, leading whitespace ignored. */
export function rubySplit(text: string | null | undefined): string[] {
  if (!text) return [];
  return text.split(/[\t\n\v\f\r ]+/).filter((part) => part !== "");
}

/**
 * The model's `shellescape` (owp app/models/virtual_server.rb, "compatibility with old Ruby
 * versions"): empty → `''`; every character outside `[A-Za-z0-9_\-.,:/@\n]` backslashed; a newline
 * quoted. The commands the panel hands the hardware daemon are quoted so.
 */
export function shellEscape(text: string): string {
  if (text === "") return "''";
  return text.replace(/([^A-Za-z0-9_\-.,:/@\n])/g, "\\$1").replace(/\n/g, "'\n'");
}
