/**
 * The panel's rows, by the columns of owp's `db/schema.rb` (FACTS §3.3 lists the virtual server's;
 * the seed shows each table's XML), plus what the simulated hardware servers hold about each
 * container (`running`, the root password's digest) that the panel's database does not, and each
 * user's password as a salted digest.
 */

/** `hardware_servers`, less the columns the API hides (`auth_key`, `backups_dir`, `ve_private`, `vzctl_version`, `templates_dir`). */
export interface HardwareServer {
  id: number;
  host: string;
  description: string | null;
  daemon_port: number;
  default_os_template: string | null;
  default_server_template: string | null;
  use_ssl: boolean;
  /** Whether the node's kernel has vSwap (memory is then set as `--ram`, FACTS §3.3 `vswap`). */
  vswap: boolean;
}

/** `os_templates`: a template cached on one hardware server; `size` in MB. */
export interface OsTemplate {
  id: number;
  hardware_server_id: number;
  name: string;
  size: number;
}

/** What a server template's `ve-<name>.conf-sample` presets (FACTS §3.4: create preloads these). */
export interface TemplateLimits {
  nameserver: string | null;
  search_domain: string | null;
  start_on_boot: boolean | null;
  /** MB, 0 = unlimited. */
  diskspace: number | null;
  /** MB, 0 = unlimited. */
  memory: number | null;
  /** MB. */
  vswap: number | null;
  cpu_units: number | null;
  cpus: number | null;
  /** Percent of one CPU; NULL = no limit. */
  cpu_limit: number | null;
}

/** `server_templates`: a `ve-<name>.conf-sample` on one hardware server. */
export interface ServerTemplate {
  id: number;
  hardware_server_id: number;
  name: string;
  limits: TemplateLimits;
}

/** `ip_pools`: a range of addresses; `hardware_server_id` NULL = a pool every hardware server draws from. */
export interface IpPool {
  id: number;
  first_ip: string;
  last_ip: string;
  hardware_server_id: number | null;
}

/** The `virtual_servers` columns, by name, as the API shows them. */
export interface VirtualServerColumns {
  identity: number | null;
  hardware_server_id: number | null;
  host_name: string | null;
  /** Space-separated addresses. */
  ip_address: string | null;
  state: string | null;
  orig_os_template: string | null;
  orig_server_template: string | null;
  nameserver: string | null;
  search_domain: string | null;
  diskspace: number | null;
  memory: number | null;
  vswap: number | null;
  cpu_units: number | null;
  cpus: number | null;
  cpu_limit: number | null;
  start_on_boot: boolean | null;
  user_id: number | null;
  description: string | null;
  /** `YYYY-MM-DD`. */
  expiration_date: string | null;
  daily_backup: boolean | null;
}

export interface VirtualServer extends VirtualServerColumns {
  id: number;
  /** The container as its hardware server has it (what `vzlist` and the panel's watchdog see), not a column. */
  running: boolean;
  /** `sha256$<salt>$<hex>` of the last root password set, never the password; null when none was set. */
  rootPasswordDigest: string | null;
}

/** The `users` columns an API call may assign (`attr_accessible`, owp app/models/user.rb; db/schema.rb). */
export interface UserColumns {
  /** Stored lower-cased (`User#login=`). */
  login: string | null;
  contact_name: string | null;
  email: string | null;
  /** Whether the user may log in (schema default true; NULL logs in no more than false). */
  enabled: boolean | null;
  /** 1 is the built-in `superadmin` role; any other (or none) an ordinary user (SPEC.md, "Users"). */
  role_id: number | null;
}

/** A panel user, less the columns the API hides (`crypted_password`, `salt`, `remember_token…`, `updated_at`). */
export interface User extends UserColumns {
  id: number;
  /** `YYYY-MM-DDTHH:MM:SSZ`, the world clock's time when the user was made. */
  created_at: string;
  /** `sha256$<salt>$<hex>` of the password, never the password. */
  passwordDigest: string;
  /** An account given at start (`auth`, `users`): not kept in the state file. */
  fromOptions?: boolean;
}

/** The built-in superadmin role's id (owp db/migrate/20101018142145_create_roles.rb creates it first). */
export const SUPERADMIN_ROLE_ID = 1;
/** The built-in `ve_admin` role's id (created second), the role given to accounts from `users` that are not superadmin. */
export const VE_ADMIN_ROLE_ID = 2;

/** `superadmin?`: the role that may do everything (`can_manage_hardware_servers?`, `can_manage_users?`, …). */
export function isSuperadmin(user: Pick<User, "role_id">): boolean {
  return user.role_id === SUPERADMIN_ROLE_ID;
}

/** `background_jobs` as `tasks/list` shows them (FACTS §3.5): status 0 FINISHED, 1 RUNNING, 2 FAILED. */
export interface Task {
  id: number;
  description: string;
  status: number;
  t_description: string;
}

/** The column defaults of `db/schema.rb` (`VirtualServer.new` starts from these). */
export function defaultColumns(): VirtualServerColumns {
  return {
    identity: null,
    hardware_server_id: null,
    host_name: null,
    ip_address: null,
    state: null,
    orig_os_template: null,
    orig_server_template: null,
    nameserver: null,
    search_domain: null,
    diskspace: 1024,
    memory: 256,
    vswap: 0,
    cpu_units: null,
    cpus: null,
    cpu_limit: null,
    start_on_boot: true,
    user_id: 0,
    description: null,
    expiration_date: null,
    daily_backup: false,
  };
}

export const COLUMN_NAMES: readonly (keyof VirtualServerColumns)[] = Object.keys(defaultColumns()) as (keyof VirtualServerColumns)[];

export function columnsOf(vs: VirtualServerColumns): VirtualServerColumns {
  const out = {} as Record<string, unknown>;
  for (const name of COLUMN_NAMES) out[name] = vs[name];
  return out as unknown as VirtualServerColumns;
}
