/**
 * The vzctl commands the panel has a hardware server run (owp app/models/virtual_server.rb
 * `save_physically`, `start`/`stop`/`restart`, `delete_physically`, `reinstall`), built as the
 * model builds them (`vzctl set <identity> --hostname … --save`, values shell-escaped), and how the
 * simulated node answers them: a missing server or OS template, an address or number vzctl will
 * not take, or an injected fault make a command exit non-zero, which the panel raises as
 * `Command '<command>' execution failed with code N\nOutput: …` (FACTS §3.2). Exit codes are
 * vzctl's own (include/vzerror.h).
 */
import { vzctlTakesAddress } from "./addresses.js";
import { VzctlFailure } from "./failure.js";
import type { HardwareServer } from "./records.js";
import { isBlank, rubySplit, rubyToI, shellEscape } from "./typecast.js";
import { changed, type Draft } from "./validation.js";
import type { World } from "./world.js";

/** vzctl's exit codes (include/vzerror.h). */
export const VZ = {
  invalidParameterSyntax: 20,
  invalidParameterValue: 21,
  cpConfig: 82,
  ostemplateNotFound: 91,
} as const;

export interface VzctlCommand {
  /** What follows `vzctl`, as the panel builds it (a root password masked: the simulator never shows or keeps it). */
  args: string;
  /** How it fails on its own, when it does. */
  fails?: { code: number; output: string };
}

/** `/etc/vz/conf/ve-<name>.conf-sample` missing (vzctl create.c: `Sample config %s not found` with errno). */
function sampleConfigMissing(name: string): { code: number; output: string } {
  return { code: VZ.cpConfig, output: `Sample config /etc/vz/conf/ve-${name}.conf-sample not found: No such file or directory` };
}

/** The cached template missing (vzctl create.c: `Cached OS template %s not found`). */
function osTemplateMissing(name: string): { code: number; output: string } {
  return { code: VZ.ostemplateNotFound, output: `Cached OS template /vz/template/cache/${name}.tar.gz not found` };
}

function badParameter(option: string, value: string): { code: number; output: string } {
  return { code: VZ.invalidParameterValue, output: `Bad parameter for --${option}: ${value}` };
}

/**
 * `vzctl create <identity> --ostemplate <t> --config <c>` (interpolated as the model does, unescaped):
 * fails without a template or config name, with a CT ID below 1, with no such server template on
 * the node (checked first, as vzctl does) or no such OS template cached on it.
 */
export function createCommand(world: World, hw: HardwareServer, identity: number, osTemplate: string | null, serverTemplate: string | null): VzctlCommand {
  const args = `create ${identity} --ostemplate ${osTemplate ?? ""} --config ${serverTemplate ?? ""}`;
  if (isBlank(osTemplate)) return { args, fails: { code: VZ.invalidParameterSyntax, output: "vzctl: option '--ostemplate' requires an argument" } };
  if (isBlank(serverTemplate)) return { args, fails: { code: VZ.invalidParameterSyntax, output: "vzctl: option '--config' requires an argument" } };
  if (identity < 1) return { args, fails: { code: VZ.invalidParameterSyntax, output: `Invalid CT ID: ${identity}` } };
  if (!world.serverTemplatesOf(hw.id).some((t) => t.name === serverTemplate)) return { args, fails: sampleConfigMissing(serverTemplate as string) };
  if (!world.osTemplatesOf(hw.id).some((t) => t.name === osTemplate)) return { args, fails: osTemplateMissing(osTemplate as string) };
  return { args };
}

/**
 * The `vzctl set` calls of `save_physically` for what `draft` changes, in the model's order. A
 * number vzctl refuses (negative) or an address it cannot parse makes that call fail.
 */
export function setCommands(world: World, hw: HardwareServer, identity: number, draft: Draft, descriptions: boolean): VzctlCommand[] {
  const c = draft.columns;
  const out: VzctlCommand[] = [];
  const set = (args: string, fails?: { code: number; output: string }) => out.push({ args: `set ${shellEscape(String(identity))} ${args}`, ...(fails ? { fails } : {}) });
  const number = (option: string, value: number | null) => set(`--${option} ${shellEscape(String(value))} --save`, value !== null && value < 0 ? badParameter(option, String(value)) : undefined);

  if (changed(draft, "orig_server_template")) {
    const name = c.orig_server_template ?? "";
    set(`--applyconfig ${name} --save`, world.serverTemplatesOf(hw.id).some((t) => t.name === name) ? undefined : sampleConfigMissing(name));
  }
  if (!isBlank(c.host_name) && changed(draft, "host_name")) set(`--hostname ${shellEscape(c.host_name as string)} --save`);
  if (draft.password !== undefined && !isBlank(draft.password)) set("--userpasswd root:******");
  if (changed(draft, "start_on_boot")) set(`--onboot ${c.start_on_boot ? "yes" : "no"} --save`);
  if (!isBlank(c.nameserver) && changed(draft, "nameserver")) {
    const ips = rubySplit(c.nameserver);
    const bad = ips.find((ip) => !vzctlTakesAddress(ip, false));
    set(`${ips.map((ip) => `--nameserver ${shellEscape(ip)} `).join("")}--save`, bad === undefined ? undefined : badParameter("nameserver", bad));
  }
  if (!isBlank(c.search_domain) && changed(draft, "search_domain")) set(`--searchdomain ${shellEscape(c.search_domain as string)} --save`);
  if (c.cpu_units !== null && changed(draft, "cpu_units")) number("cpuunits", c.cpu_units);
  if (c.cpus !== null && changed(draft, "cpus")) number("cpus", c.cpus);
  if (c.cpu_limit !== null && changed(draft, "cpu_limit")) number("cpulimit", c.cpu_limit);
  // `!description.empty?`: the simulator takes a NULL description as empty (SPEC.md, deviations).
  if (descriptions && !isEmpty(c.description) && changed(draft, "description")) set(`--description ${shellEscape(c.description as string)} --save`);
  if (!isBlank(draft.was.ip_address) && changed(draft, "ip_address")) set("--ipdel all --save");
  if (!isBlank(c.ip_address) && changed(draft, "ip_address")) {
    const ips = rubySplit(c.ip_address);
    const bad = ips.find((ip) => !vzctlTakesAddress(ip, true));
    set(`${ips.map((ip) => `--ipadd ${ip} `).join("")}--save`, bad === undefined ? undefined : badParameter("ipadd", bad));
  }
  if (changed(draft, "memory")) {
    const memory = c.memory ?? 0;
    if (c.vswap !== null && c.vswap > 0 && hw.vswap) {
      set(`--ram ${shellEscape(String(c.memory ?? ""))}M --save`, memory < 0 ? badParameter("ram", `${memory}M`) : undefined);
    } else {
      // 4 KiB pages; Ruby's integer division floors.
      const pages = memory === 0 ? "unlimited" : String(Math.floor((memory * 1024) / 4));
      set(`--privvmpages ${shellEscape(pages)} --save`, memory < 0 ? badParameter("privvmpages", pages) : undefined);
      set("--physpages unlimited --save");
    }
  }
  if (changed(draft, "vswap") && c.vswap !== null && c.vswap > 0 && hw.vswap) set(`--swap ${shellEscape(String(c.vswap))}M --save`);
  if (changed(draft, "diskspace")) {
    const disk = rubyToI(String(c.diskspace ?? 0));
    const value = disk === 0 ? "unlimited" : String(disk * 1024);
    set(`--diskspace ${shellEscape(value)} --save`, disk < 0 ? badParameter("diskspace", value) : undefined);
  }
  return out;
}

function isEmpty(value: string | null): boolean {
  return value === null || value === "";
}

/**
 * Runs `commands` in order on `hw`, each logged: the first that fails throws its VzctlFailure;
 * `injected` (a fault rule) makes the first command fail instead.
 */
export function runCommands(world: World, hw: HardwareServer, commands: readonly VzctlCommand[], injected: { code: number; output: string } | null): void {
  commands.forEach((command, index) => {
    const failure = index === 0 && injected ? injected : command.fails;
    world.logVzctl(hw.id, `vzctl ${command.args}`, failure ? failure.code : 0);
    if (failure) throw new VzctlFailure(`vzctl ${command.args}`, failure.code, failure.output);
  });
}
