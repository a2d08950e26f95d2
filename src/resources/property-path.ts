/**
 * Property path patterns, matched segment by segment against a path (`disks[2].size`,
 * `context.vars.DB`): a name matches itself, `[3]` matches index 3, `*` any one name, `[*]` any one
 * index, `**` everything that is left (one segment or more). The diff rules of a backend and the
 * properties its profile supports are written in them.
 */

/** Splits `disks[2].size` into `["disks", "[2]", "size"]`; `a["odd.key"]` keeps the quoted key whole. */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  let name = "";
  const flush = () => {
    if (name !== "") out.push(name);
    name = "";
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === ".") {
      flush();
      i++;
    } else if (c === "[") {
      flush();
      if (path[i + 1] === '"') {
        // A quoted key: JSON string syntax up to the closing quote.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === "\\" ? 2 : 1;
        out.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        i = path[j + 1] === "]" ? j + 2 : j + 1;
      } else {
        const close = path.indexOf("]", i);
        const end = close === -1 ? path.length : close + 1;
        out.push(path.slice(i, end));
        i = end;
      }
    } else {
      name += c;
      i++;
    }
  }
  flush();
  return out;
}

function isIndex(segment: string): boolean {
  return segment.startsWith("[") && segment.endsWith("]");
}

export function matchPath(pattern: string, path: string): boolean {
  const p = pathSegments(pattern);
  const s = pathSegments(path);
  for (let i = 0; i < p.length; i++) {
    const want = p[i]!;
    if (want === "**") return s.length > i;
    const got = s[i];
    if (got === undefined) return false;
    if (want === "*") {
      if (isIndex(got)) return false;
    } else if (want === "[*]") {
      if (!isIndex(got)) return false;
    } else if (want !== got) {
      return false;
    }
  }
  return p.length === s.length;
}

