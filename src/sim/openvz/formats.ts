/**
 * The `validates_format_of` patterns of owp app/models/virtual_server.rb, decided the way Ruby
 * decides `value.to_s =~ pattern`: `^` and `$` are line anchors in Ruby, so a value passes when
 * some run from a line start to a line end matches (a value with an empty line passes; Onigmo's
 * `^` does not match after a newline that ends the string). The patterns' nested repetitions
 * (`((…)*){1,8})*`) would backtrack without bound in JavaScript, so each is decided here by a scan
 * over the positions it can reach, which accepts exactly the strings the pattern does.
 */

const RUBY_SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);
const isSpace = (ch: string | undefined): boolean => ch !== undefined && RUBY_SPACE.has(ch);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= "0" && ch <= "9";
const isHex = (ch: string | undefined): boolean => ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
const isHostChar = (ch: string | undefined): boolean => ch !== undefined && /^[a-zA-Z0-9.-]$/.test(ch);

/** Where a match may start: the string's start, and after each newline that does not end the string. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length - 1; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

/** Where a match may end: before each newline, and the string's end. */
function isLineEnd(text: string, i: number): boolean {
  return i === text.length || text[i] === "\n";
}

/**
 * Whether a run from some line start to some line end is a sequence of tokens, `next(text, i)`
 * giving the positions one token starting at `i` can end at.
 */
function someLineMatches(text: string, next: (text: string, i: number) => Iterable<number>): boolean {
  const reach = new Uint8Array(text.length + 1);
  for (const s of lineStarts(text)) reach[s] = 1;
  for (let i = 0; i <= text.length; i++) {
    if (!reach[i]) continue;
    if (isLineEnd(text, i)) return true;
    for (const j of next(text, i)) if (j <= text.length) reach[j] = 1;
  }
  return false;
}

/** End positions of `\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}` starting at `i`. */
function ipv4Ends(text: string, i: number): number[] {
  let ends = [i];
  for (let part = 0; part < 4; part++) {
    const next: number[] = [];
    for (let at of ends) {
      if (part > 0) {
        if (text[at] !== ".") continue;
        at++;
      }
      for (let k = 1; k <= 3 && isDigit(text[at + k - 1]); k++) next.push(at + k);
    }
    ends = [...new Set(next)];
    if (ends.length === 0) return [];
  }
  return ends;
}

/** The tokens of `(IPv4 | \s | ([\da-fA-F]{1,4}:?|::){1,8})*`, with `/\d+` after an IPv4 when `masks`. */
function addressTokens(masks: boolean): (text: string, i: number) => number[] {
  return (text, i) => {
    const out: number[] = [];
    if (isSpace(text[i])) out.push(i + 1);
    if (text[i] === ":" && text[i + 1] === ":") out.push(i + 2);
    for (let k = 1; k <= 4 && isHex(text[i + k - 1]); k++) {
      out.push(i + k);
      if (text[i + k] === ":") out.push(i + k + 1);
    }
    for (const end of ipv4Ends(text, i)) {
      out.push(end);
      if (masks && text[end] === "/") for (let k = 1; isDigit(text[end + k]); k++) out.push(end + 1 + k);
    }
    return out;
  };
}

const IP_TOKENS = addressTokens(true);
const NAMESERVER_TOKENS = addressTokens(false);

/** `ip_address`: `/^(((\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(\/\d+)?|\s|(([\da-fA-F]{1,4}:?)|(::)){1,8})*|auto)$/`. */
export function ipAddressFormatOk(value: string | null): boolean {
  const text = value ?? "";
  if (someLineMatches(text, IP_TOKENS)) return true;
  return lineStarts(text).some((s) => text.startsWith("auto", s) && isLineEnd(text, s + 4));
}

/** `nameserver`: `/^((\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})|\s|(([\da-fA-F]{1,4}:?)|(::)){1,8})*$/`. */
export function nameserverFormatOk(value: string | null): boolean {
  return someLineMatches(value ?? "", NAMESERVER_TOKENS);
}

/** `host_name`: `/^[a-z0-9\-\.]*$/i`. */
export function hostNameFormatOk(value: string | null): boolean {
  return someLineMatches(value ?? "", (text, i) => (isHostChar(text[i]) ? [i + 1] : []));
}

/** `description`: `/^[a-z0-9\-\.\s]*$/i`. */
export function descriptionFormatOk(value: string | null): boolean {
  return someLineMatches(value ?? "", (text, i) => (isHostChar(text[i]) || isSpace(text[i]) ? [i + 1] : []));
}

/**
 * `search_domain`: `/^([a-z0-9\-\.]+\s*)*$/i`, i.e. empty, or a name character followed by name
 * characters and whitespace: a run may not start with whitespace.
 */
export function searchDomainFormatOk(value: string | null): boolean {
  const text = value ?? "";
  // A token: one name character, then any whitespace after it.
  return someLineMatches(text, (t, i) => {
    if (!isHostChar(t[i])) return [];
    const out = [i + 1];
    let j = i + 1;
    while (isSpace(t[j])) out.push(++j);
    return out;
  });
}
