/**
 * Addresses and names.
 *
 * An address is `<stack>/<construct path below the stack>`: the ids of the stack and of every
 * construct down to the resource, joined by `/` (`lab/web-1`, `lab/tier/app-2`). It is stable as long
 * as the ids are, and it is what plans, errors, progress lines and ownership tags carry.
 *
 * The id rule: 1 to 64 characters from `A-Z a-z 0-9 - _ .`, starting with a letter or a digit.
 * Why so narrow: an address is stored inside the backend object itself (an OpenNebula template
 * value, a XenAPI other_config entry, a Gandi or OpenVZ name or description), and ids become the
 * default object names. These characters need no quoting in any of those places, are accepted in
 * every backend's names, and cannot be confused with the `/` that separates the path.
 *
 * A name is the backend object's name: by default the resource's id, or the `name` prop. The name
 * rule is the union of what the backends refuse, plus the characters of template syntax: not empty,
 * at most 128 characters, no control characters, no leading or trailing space, and none of
 * `& | : \ ; / ' " # { } ( ) $ < > [ ] , =`.
 */

export const ID_MAX_LENGTH = 64;
export const NAME_MAX_LENGTH = 128;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Characters no backend name may hold (OpenNebula refuses `&|:\;/'#{}()$<>`; the rest break template syntax). */
export const NAME_FORBIDDEN_CHARACTERS = "&|:\\;/'\"#{}()$<>[],=";

/** Why `id` cannot be a construct id, or undefined when it can. */
export function idProblem(id: string): string | undefined {
  if (typeof id !== "string" || id.length === 0) return "an id must not be empty";
  if (id.length > ID_MAX_LENGTH) return `an id must be at most ${ID_MAX_LENGTH} characters, got ${id.length}`;
  if (!ID_PATTERN.test(id)) {
    return `id ${JSON.stringify(id)} must use only letters, digits, "-", "_" and ".", and start with a letter or digit`;
  }
  return undefined;
}

/** Why `name` cannot be a backend object name, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > NAME_MAX_LENGTH) return `must be at most ${NAME_MAX_LENGTH} characters, got ${name.length}`;
  if (name.trim() !== name) return `must not start or end with white space, got ${JSON.stringify(name)}`;
  for (const ch of name) {
    if (NAME_FORBIDDEN_CHARACTERS.includes(ch)) return `must not contain ${JSON.stringify(ch)}, got ${JSON.stringify(name)}`;
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return `must not contain control characters, got ${JSON.stringify(name)}`;
  }
  return undefined;
}
