/**
 * The documents the API answers (the seed's examples, FACTS §3.2): each row as ActiveRecord's
 * `to_xml` writes it, attributes in alphabetical order (Rails 2.3 serializes `attribute_names`
 * sorted), hidden columns left out; `<result>` for scalar and save results; `<methods>` for a
 * controller's index.
 */
import type { HardwareServer, OsTemplate, ServerTemplate, Task, User, VirtualServer } from "./records.js";
import type { ValidationErrors } from "./validation.js";
import { array, bool, date, datetime, el, int, str, xmlDocument, type XmlNode } from "./xml.js";

/** A virtual server: every column of db/schema.rb (FACTS §3.3), sorted; `identity` typed integer as the seed shows it. */
export function virtualServerNode(vs: VirtualServer): XmlNode {
  return el("virtual_server", [
    int("cpu_limit", vs.cpu_limit),
    int("cpu_units", vs.cpu_units),
    int("cpus", vs.cpus),
    bool("daily_backup", vs.daily_backup),
    str("description", vs.description),
    int("diskspace", vs.diskspace),
    date("expiration_date", vs.expiration_date),
    int("hardware_server_id", vs.hardware_server_id),
    str("host_name", vs.host_name),
    int("id", vs.id),
    int("identity", vs.identity),
    str("ip_address", vs.ip_address),
    int("memory", vs.memory),
    str("nameserver", vs.nameserver),
    str("orig_os_template", vs.orig_os_template),
    str("orig_server_template", vs.orig_server_template),
    str("search_domain", vs.search_domain),
    bool("start_on_boot", vs.start_on_boot),
    str("state", vs.state),
    int("user_id", vs.user_id),
    int("vswap", vs.vswap),
  ]);
}

export function virtualServerXml(vs: VirtualServer): string {
  return xmlDocument(virtualServerNode(vs));
}

export function virtualServersXml(list: readonly VirtualServer[]): string {
  return xmlDocument(array("virtual_servers", list.map(virtualServerNode)));
}

/** A hardware server, without `auth_key`, `backups_dir`, `ve_private`, `vzctl_version`, `templates_dir` (api/hardware_servers_controller.rb). */
export function hardwareServerNode(hw: HardwareServer): XmlNode {
  return el("hardware_server", [
    int("daemon_port", hw.daemon_port),
    str("default_os_template", hw.default_os_template),
    str("default_server_template", hw.default_server_template),
    str("description", hw.description),
    str("host", hw.host),
    int("id", hw.id),
    bool("use_ssl", hw.use_ssl),
    bool("vswap", hw.vswap),
  ]);
}

/** OS templates without `hardware_server_id` (`:except`). */
export function osTemplatesXml(list: readonly OsTemplate[]): string {
  return xmlDocument(array("os_templates", list.map((t) => el("os_template", [int("id", t.id), str("name", t.name), int("size", t.size)]))));
}

/** Server templates: `id` and `name` (their limits live in the node's conf-sample, not in a column). */
export function serverTemplatesXml(list: readonly ServerTemplate[]): string {
  return xmlDocument(array("server_templates", list.map((t) => el("server_template", [int("id", t.id), str("name", t.name)]))));
}

/** Background jobs without `params`, with the translated `t_description` (FACTS §3.5). */
export function tasksXml(list: readonly Task[]): string {
  return xmlDocument(array("tasks", list.map((t) => el("task", [str("description", t.description), int("id", t.id), int("status", t.status), str("t_description", t.t_description)]))));
}

/**
 * A user without `crypted_password`, `remember_token`, `remember_token_expires_at`, `salt` and
 * `updated_at` (api/users_controller.rb's `@hidden_attrs`): the seed's `<user>`.
 */
export function userNode(user: User): XmlNode {
  return el("user", [
    str("contact_name", user.contact_name),
    datetime("created_at", user.created_at),
    str("email", user.email),
    bool("enabled", user.enabled),
    int("id", user.id),
    str("login", user.login),
    int("role_id", user.role_id),
  ]);
}

export function userXml(user: User): string {
  return xmlDocument(userNode(user));
}

/** `render_object_result(User.all, :root => 'users', …)`. */
export function usersXml(list: readonly User[]): string {
  return xmlDocument(array("users", list.map(userNode)));
}

/** `render_scalar_result`: `<result><status type="boolean">…</status>[<details>…</details>]</result>`. */
export function resultXml(status: boolean, details?: XmlNode): string {
  return xmlDocument(el("result", details ? [bool("status", status), details] : [bool("status", status)]));
}

/** `render_object_save_result` on success: the record's id in `<details>`. */
export function savedXml(id: number): string {
  return resultXml(true, el("details", [int("id", id)]));
}

/** `render_object_save_result` on failure: each error as `<detail><field>…</field><error>…</error></detail>`. */
export function invalidXml(errors: ValidationErrors): string {
  return resultXml(false, array("details", errors.map(([field, error]) => el("detail", [str("field", field), str("error", error)]))));
}

/** `methods_list`: each action as an empty element. */
export function methodsXml(actions: readonly string[]): string {
  return xmlDocument(el("methods", actions.map((a) => str(a, ""))));
}

export function hardwareServerXml(hw: HardwareServer): string {
  return xmlDocument(hardwareServerNode(hw));
}

export function hardwareServersXml(list: readonly HardwareServer[]): string {
  return xmlDocument(array("hardware_servers", list.map(hardwareServerNode)));
}
