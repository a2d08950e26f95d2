/**
 * The header every world snapshot starts with: a `format` naming the simulator that wrote it and
 * a `version`; a snapshot of another format or version is refused, naming what was expected.
 */
export class SnapshotFormatError extends Error {
  override name = "SnapshotFormatError";
}

/**
 * Throws SnapshotFormatError unless `snapshot` is an object of `format` at `version`; `cloud`
 * names the simulator in the message ("XenServer", "OpenNebula").
 */
export function checkSnapshotHeader(snapshot: unknown, format: string, version: number, cloud: string): void {
  const header = snapshot as { format?: unknown; version?: unknown } | null;
  if (typeof header !== "object" || header === null || header.format !== format) {
    throw new SnapshotFormatError(`not a hyperplan ${cloud} simulator state (expected format "${format}")`);
  }
  if (header.version !== version) {
    throw new SnapshotFormatError(`simulator state version ${String(header.version)} is not supported (this simulator reads version ${version})`);
  }
}
