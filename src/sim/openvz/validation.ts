/**
 * A virtual server's attributes as create and update assign them, and the model's validations
 * (FACTS §3.4; owp app/models/virtual_server.rb): mass assignment of the `attr_accessible`
 * parameters typecast by column, the dirty tracking the vzctl calls depend on, and the checks in
 * the model's order, every failure reported together, grouped by attribute as Rails' `Errors` is
 * (an attribute's messages stay together, in the order the attribute first failed).
 */
import { freeIps, normalizeIp } from "./addresses.js";
import { nilMethodError } from "./failure.js";
import { descriptionFormatOk, hostNameFormatOk, ipAddressFormatOk, nameserverFormatOk, searchDomainFormatOk } from "./formats.js";
import { COLUMN_NAMES, type VirtualServerColumns } from "./records.js";
import { castBoolean, castDate, castInteger, isBlank, rubySplit } from "./typecast.js";
import type { World } from "./world.js";

/** config/locales/en.yml's messages (FACTS §3.4). */
export const MESSAGES = {
  ipInvalid: "Incorrect IP address.",
  ipTaken: "IP address was assigned already to the other server.",
  ipNotInPool: "IP address not found in available IP pools.",
  identityTaken: "Such identity belongs to the other server.",
  passwordConfirmation: "Password and confirmation are not equal.",
  nameserverInvalid: "DNS server IP address is invalid.",
  searchDomainInvalid: "Search domains are invalid.",
  hostNameInvalid: "Hostname is invalid.",
  descriptionInvalid: "Description contains invalid characters.",
} as const;

type ColumnKind = "integer" | "boolean" | "date" | "string";

/** The `attr_accessible` columns (FACTS §3.4) and their types (db/schema.rb). */
export const ACCESSIBLE_COLUMNS: Readonly<Partial<Record<keyof VirtualServerColumns, ColumnKind>>> = {
  identity: "integer",
  ip_address: "string",
  host_name: "string",
  hardware_server_id: "integer",
  orig_os_template: "string",
  state: "string",
  nameserver: "string",
  search_domain: "string",
  diskspace: "integer",
  memory: "integer",
  user_id: "integer",
  orig_server_template: "string",
  description: "string",
  cpu_units: "integer",
  cpus: "integer",
  cpu_limit: "integer",
  expiration_date: "date",
  vswap: "integer",
  daily_backup: "boolean",
  start_on_boot: "boolean",
};

/** A virtual server being created or updated: its columns before and after the request's parameters. */
export interface Draft {
  /** The columns as they were (the schema's defaults for a new record: Rails tracks a new record's changes from them). */
  readonly was: VirtualServerColumns;
  readonly columns: VirtualServerColumns;
  /** `attr_accessor`s: undefined when the request did not send them. */
  password?: string;
  passwordConfirmation?: string;
  startAfterCreation?: string;
}

/** Mass assignment: each accessible parameter typecast into its column, the accessors kept; anything else ignored. */
export function assignParams(draft: Draft, params: ReadonlyMap<string, string>): void {
  const columns = draft.columns as unknown as Record<string, unknown>;
  for (const [name, value] of params) {
    if (name === "password") draft.password = value;
    else if (name === "password_confirmation") draft.passwordConfirmation = value;
    else if (name === "start_after_creation") draft.startAfterCreation = value;
    else if (Object.hasOwn(ACCESSIBLE_COLUMNS, name)) {
      const kind = ACCESSIBLE_COLUMNS[name as keyof VirtualServerColumns] as ColumnKind;
      if (kind === "integer") columns[name] = castInteger(value);
      else if (kind === "boolean") columns[name] = castBoolean(value);
      // The model's `expiration_date=` turns the panel's DD.MM.YYYY into DD-MM-YYYY first.
      else if (kind === "date") columns[name] = castDate(value.replace(/\./g, "-"));
      else columns[name] = value;
    }
  }
}

/** `<attr>_changed?`. */
export function changed(draft: Draft, name: keyof VirtualServerColumns): boolean {
  return draft.was[name] !== draft.columns[name];
}

export function changedColumns(draft: Draft): (keyof VirtualServerColumns)[] {
  return COLUMN_NAMES.filter((name) => changed(draft, name));
}

/** Validation errors in Rails' `Errors` order: [attribute, message] pairs. */
export type ValidationErrors = Array<[string, string]>;

/**
 * The model's validations for `draft` (`selfId`: the record's own id on update, excluded from the
 * uniqueness checks). Throws internal_error where the panel's Ruby would raise: an address to
 * check against the pools on a hardware server that does not exist.
 */
export function validateDraft(world: World, draft: Draft, selfId: number | null, descriptions: boolean): ValidationErrors {
  const errors = new Map<string, string[]>();
  const add = (field: string, message: string) => {
    const list = errors.get(field);
    if (list) list.push(message);
    else errors.set(field, [message]);
  };
  const c = draft.columns;
  const others = world.virtualServerList().filter((vs) => vs.id !== selfId);

  if (!ipAddressFormatOk(c.ip_address)) add("ip_address", MESSAGES.ipInvalid);
  // validates_uniqueness_of :ip_address, :allow_blank => true (the whole column compared).
  if (!isBlank(c.ip_address) && others.some((vs) => vs.ip_address === c.ip_address)) add("ip_address", MESSAGES.ipTaken);
  // validates_uniqueness_of :identity, :scope => :hardware_server_id
  if (others.some((vs) => vs.identity === c.identity && vs.hardware_server_id === c.hardware_server_id)) add("identity", MESSAGES.identityTaken);
  // validates_confirmation_of :password: only when a confirmation was sent.
  if (draft.passwordConfirmation !== undefined && draft.password !== draft.passwordConfirmation) add("password", MESSAGES.passwordConfirmation);
  if (!nameserverFormatOk(c.nameserver)) add("nameserver", MESSAGES.nameserverInvalid);
  if (!searchDomainFormatOk(c.search_domain)) add("search_domain", MESSAGES.searchDomainInvalid);
  if (!hostNameFormatOk(c.host_name)) add("host_name", MESSAGES.hostNameInvalid);
  // validates_format_of :description … if AppConfig.vzctl.save_descriptions
  if (descriptions && !descriptionFormatOk(c.description)) add("description", MESSAGES.descriptionInvalid);

  // The model's own `validate`, run after the macros: every new address must be a free pool address.
  const poolError = poolCheck(world, draft);
  if (poolError) add("ip_address", poolError);

  const out: ValidationErrors = [];
  for (const [field, messages] of errors) for (const message of messages) out.push([field, message]);
  return out;
}

/** `VirtualServer#validate`: nothing when there are no pools, no address, no change, or `auto`. */
function poolCheck(world: World, draft: Draft): string | null {
  const ip = draft.columns.ip_address;
  if (world.ipPools.length === 0 || isBlank(ip) || !changed(draft, "ip_address")) return null;
  if (ip === "auto") return null;
  const oldIps = rubySplit(draft.was.ip_address);
  let free: string[] | null = null;
  for (const token of rubySplit(ip)) {
    const normal = normalizeIp(token.split("/")[0] ?? "");
    if (normal === null) return MESSAGES.ipInvalid;
    if (oldIps.includes(normal)) continue;
    const hw = world.hardwareServer(draft.columns.hardware_server_id);
    if (!hw) throw nilMethodError("free_ips");
    free ??= freeIps(hw.id, world.ipPools, world.virtualServers.values());
    if (!free.includes(normal)) return MESSAGES.ipNotInPool;
  }
  return null;
}
