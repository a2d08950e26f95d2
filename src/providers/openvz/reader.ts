/**
 * The panel's read side: the containers a stack owns, and the panel's objects it looks up, as the
 * diff's LiveState.
 *
 * One plan reads `hardware_servers/list`, then for each hardware server its containers
 * (`hardware_servers/virtual_servers`), OS templates and server templates: three calls a hardware
 * server, whatever the number of containers. The containers' answer is cut into its
 * `<virtual_server>` elements and only those whose description carries the stack's mark (marks.ts)
 * are decoded; of the others only the id and host name are taken, and only when the host name is one
 * the stack declares (to warn before a second container of that name is made).
 *
 * Looked-up kinds (OS templates, server templates, the venet) are reported as live, with the declared
 * props, while the stack has a container: there is nothing of theirs for the stack to change, and a
 * plan from empty shows them taken into use (a create that makes nothing), a destroy letting go of them.
 * One the panel lacks is a plan-time error naming the resource and what the panel has.
 *
 * What the API cannot give back is reported as declared: the root password and the rest of the context.
 *
 * A VM declared with `importId` at an address the stack has no container at is read by that id alone
 * (`virtual_servers/get`, one call each, never a scan of containers the stack does not own): gone when
 * the panel has no such container (or the id is not one: a positive whole number), tagged when its
 * description carries any stack's mark, else mapped exactly as the stack's own container at the
 * declaration's address and reported apart (`LiveState.imports`). Only containers are adopted: OS
 * templates, server templates and the venet are the panel's, looked up by name and never marked, so
 * there is nothing of theirs to adopt (the profile refuses `importId` on them; the reader reads none).
 */
import type { ContextSpec, DesiredResource, DesiredState, NicSpec, RawValue, VirtualMachineSpec } from "../../resources/desired-state.js";
import { fingerprintLive, LiveStateError, type ForeignObject, type ImportReading, type LiveResource, type LiveState } from "../../diff/live-state.js";
import { pendingImports } from "../kit/ownership.js";
import { answerOf, type OwpClient } from "./client.js";
import { isOwpError } from "./errors.js";
import { addressOfMark, markedFor } from "./marks.js";
import { RAW_FIELDS, type RawKey } from "./profile.js";
import { virtualServerOf, type OwpHardwareServer, type OwpVirtualServer } from "./records.js";
import { parseXml } from "./xml.js";

export interface HardwareView {
  server: OwpHardwareServer;
  osTemplates: string[];
  serverTemplates: string[];
  /** The stack's containers on it, with the address each one's mark names. */
  owned: { address: string; vs: OwpVirtualServer }[];
  /** Containers not the stack's whose host name the stack declares: id and host name only. */
  foreign: { id: number; hostName: string }[];
}

/** What the panel answered for one declaration's `importId`: the container to adopt, or why there is none. */
export type PanelImport = { address: string; id: string; state: "found"; vs: OwpVirtualServer } | Exclude<ImportReading, { state: "found" }>;

export interface PanelView {
  hardware: HardwareView[];
  /** The containers the declarations' `importId`s name, read by id (none when no declaration has one to read). */
  imports?: PanelImport[];
}

const ELEMENT = "<virtual_server>";
const END = "</virtual_server>";

/** The text of `<name>…</name>` in one element's text, or null (nil, or missing). */
function fieldText(chunk: string, name: string): string | null {
  const m = new RegExp(`<${name}(\\s[^>]*)?>([^<]*)</${name}>|<${name}(\\s[^>]*)?/>`).exec(chunk);
  if (!m || m[2] === undefined) return null;
  if ((m[1] ?? "").includes('nil="true"')) return null;
  return m[2].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** The stack's containers in one `virtual_servers` answer, and the declared names others hold. */
export function sortContainers(stack: string, text: string, declaredNames: ReadonlySet<string>): Pick<HardwareView, "owned" | "foreign"> {
  const owned: HardwareView["owned"] = [];
  const foreign: HardwareView["foreign"] = [];
  for (let at = text.indexOf(ELEMENT); at >= 0; ) {
    const end = text.indexOf(END, at);
    if (end < 0) break;
    const chunk = text.slice(at, end + END.length);
    const address = addressOfMark(stack, fieldText(chunk, "description"));
    if (address !== undefined) {
      owned.push({ address, vs: virtualServerOf(parseXml(chunk)) });
    } else {
      const host = fieldText(chunk, "host_name");
      if (host !== null && declaredNames.has(host)) foreign.push({ id: Number(fieldText(chunk, "id")), hostName: host });
    }
    at = text.indexOf(ELEMENT, end);
  }
  return { owned, foreign };
}

export async function readPanel(client: OwpClient, stack: string, desired?: DesiredState): Promise<PanelView> {
  const declaredNames = new Set((desired?.resources ?? []).filter((r) => r.kind === "VirtualMachine").map((r) => r.name));
  const servers = await client.hardwareServers();
  const hardware = await Promise.all(
    servers.map(async (server): Promise<HardwareView> => {
      const [text, os, templates] = await Promise.all([
        client.text("hardware_servers", "virtual_servers", { id: server.id }, "read"),
        client.osTemplates(server.id),
        client.serverTemplates(server.id),
      ]);
      // An <error> answer (the server gone between the list and this read) is thrown as such.
      if (!text.includes("<virtual_servers")) answerOf("hardware_servers/virtual_servers", text);
      return { server, osTemplates: os.map((t) => t.name), serverTemplates: templates.map((t) => t.name), ...sortContainers(stack, text, declaredNames) };
    }),
  );
  const imports = await readImports(client, hardware, desired);
  return imports.length > 0 ? { hardware, imports } : { hardware };
}

/** A panel id as the panel gives it: a positive whole number, written without leading zeros. */
const CONTAINER_ID = /^[1-9]\d{0,15}$/;

/**
 * The containers named by the declarations' `importId`s whose address the stack has no container at,
 * each read alone with `virtual_servers/get`. Only VMs: the looked-up kinds carry no mark to write and
 * are the stack's to use as soon as they are declared.
 */
export async function readImports(client: OwpClient, hardware: readonly HardwareView[], desired: DesiredState | undefined): Promise<PanelImport[]> {
  const owned = new Set(hardware.flatMap((h) => h.owned.map((o) => o.address)));
  const pending = pendingImports(desired, owned).filter((p) => p.kind === "VirtualMachine");
  return Promise.all(
    pending.map(async ({ address, id }): Promise<PanelImport> => {
      if (!CONTAINER_ID.test(id)) return { address, id, state: "gone" };
      let vs: OwpVirtualServer;
      try {
        vs = await client.virtualServer(Number(id));
      } catch (error) {
        // The panel's answer for an unknown id, and for a container the user may not control.
        if (isOwpError(error, "object_not_found")) return { address, id, state: "gone" };
        throw error;
      }
      const mark = markedFor(vs.description);
      if (mark !== undefined) return { address, id, state: "tagged", tag: { ...mark, kind: "VirtualMachine" } };
      return { address, id, state: "found", vs };
    }),
  );
}

/** The hardware server a VM goes to: its raw setting, else the stack's, else the panel's only one. */
export function hardwareFor(vm: DesiredResource, view: PanelView, fallback: string | undefined): HardwareView {
  const raw = (vm.props as VirtualMachineSpec).raw?.openvz as Record<string, unknown> | undefined;
  const wanted = (raw?.hardwareServer as string | undefined) ?? fallback;
  const hosts = view.hardware.map((h) => h.server.host);
  if (wanted === undefined) {
    if (view.hardware.length === 1) return view.hardware[0]!;
    throw new LiveStateError(
      `names no hardware server, and the panel has ${view.hardware.length === 0 ? "none" : `${view.hardware.length} (${hosts.join(", ")})`}: set raw.openvz.hardwareServer, or the stack's provider.openvz.hardwareServer`,
      vm.address,
    );
  }
  const found = view.hardware.find((h) => h.server.host === wanted);
  if (!found) throw new LiveStateError(`raw.openvz.hardwareServer ${JSON.stringify(wanted)} is not a hardware server of the panel (it has ${hosts.join(", ") || "none"})`, vm.address);
  return found;
}

/** Reference text for a panel object no declaration stands for (an OS template the stack does not declare). */
function panelRef(what: string, name: string | null): { ref: string } {
  return { ref: `${what} ${name ?? "(none)"}` };
}

/**
 * The LiveState of a panel view. Containers to adopt are mapped with the stack's own, as if it owned
 * them at their declarations' addresses (so they count in the fingerprint: a saved plan is stale when
 * one changes), then set apart into `imports`; none of them is a stranger bearing a declared name.
 * A container to adopt puts the looked-up objects in use as the stack's own would: the plan that
 * adopts a stack's only container shows the import alone.
 */
export function liveStateOf(stack: string, endpoint: string, view: PanelView, desired: DesiredState | undefined, fallbackHardware?: string): LiveState {
  const imports = view.imports ?? [];
  if (imports.length === 0) return mapPanel(stack, endpoint, view.hardware, desired, fallbackHardware);
  const found = imports.filter((i): i is Extract<PanelImport, { state: "found" }> => i.state === "found");
  for (const f of found) {
    if (!view.hardware.some((h) => h.server.id === f.vs.hardwareServerId)) {
      throw new LiveStateError(`container ${f.vs.id} (importId) is on hardware server ${f.vs.hardwareServerId}, which the panel does not list`, f.address);
    }
  }
  const hardware = view.hardware.map((h) => ({ ...h, owned: [...h.owned, ...found.filter((f) => f.vs.hardwareServerId === h.server.id).map((f) => ({ address: f.address, vs: f.vs }))] }));
  const live = mapPanel(stack, endpoint, hardware, desired, fallbackHardware);
  const adopting = new Set(found.map((f) => `${f.address}#${f.vs.id}`));
  const isCandidate = (r: LiveResource) => r.kind === "VirtualMachine" && adopting.has(`${r.address}#${r.id}`);
  const readings: ImportReading[] = imports.map((i) => {
    if (i.state !== "found") return i;
    const candidate = live.resources.find((r) => isCandidate(r) && r.address === i.address)!;
    return { address: i.address, id: i.id, state: "found", live: candidate };
  });
  const adoptingIds = new Set(found.map((f) => String(f.vs.id)));
  const strangers = (live.foreign ?? []).filter((f) => !(f.kind === "VirtualMachine" && adoptingIds.has(f.id)));
  const { foreign: _foreign, ...rest } = live;
  return { ...rest, resources: live.resources.filter((r) => !isCandidate(r)), imports: readings, ...(strangers.length > 0 ? { foreign: strangers } : {}) };
}

function mapPanel(stack: string, endpoint: string, hardwareViews: readonly HardwareView[], desired: DesiredState | undefined, fallbackHardware?: string): LiveState {
  const view: PanelView = { hardware: [...hardwareViews] };
  const resources: LiveResource[] = [];
  const declared = new Map((desired?.resources ?? []).map((r) => [r.address, r]));
  const declaredOf = (kind: string) => [...declared.values()].filter((r) => r.kind === kind);
  const everywhere = (pick: (h: HardwareView) => string[]) => new Set(view.hardware.flatMap(pick));

  // Looked-up kinds: the panel must have them; they count as live while the stack has a container (so a
  // plan from empty shows them taken into use, and a destroy lets go of them with the last container).
  const inUse = view.hardware.some((h) => h.owned.length > 0);
  const osTemplates = everywhere((h) => h.osTemplates);
  for (const image of declaredOf("Image")) {
    if (!osTemplates.has(image.name)) {
      throw new LiveStateError(`the OS template ${JSON.stringify(image.name)} is not installed on any hardware server (the panel has ${[...osTemplates].sort().join(", ") || "none"}); hyperplan looks OS templates up and never installs them`, image.address);
    }
    if (inUse) resources.push({ address: image.address, kind: "Image", name: image.name, id: `os-template:${image.name}`, props: image.props, dependsOn: [], status: { state: "INSTALLED", healthy: true } });
  }
  const serverTemplates = everywhere((h) => h.serverTemplates);
  for (const template of declaredOf("VmTemplate")) {
    if (!serverTemplates.has(template.name)) {
      throw new LiveStateError(`the server template ${JSON.stringify(template.name)} is not on the panel (it has ${[...serverTemplates].sort().join(", ") || "none"}); hyperplan looks server templates up and never makes them`, template.address);
    }
    if (inUse) resources.push({ address: template.address, kind: "VmTemplate", name: template.name, id: `server-template:${template.name}`, props: template.props, dependsOn: [], status: { state: "AVAILABLE", healthy: true } });
  }
  for (const network of declaredOf("VirtualNetwork")) {
    if (inUse) resources.push({ address: network.address, kind: "VirtualNetwork", name: network.name, id: "venet", props: network.props, dependsOn: [], status: { state: "AVAILABLE", healthy: true } });
  }

  // Each declared VM's hardware server must have what it names.
  for (const vm of declaredOf("VirtualMachine")) {
    const hw = hardwareFor(vm, view, fallbackHardware);
    const props = vm.props as VirtualMachineSpec;
    const image = props.disks?.[0]?.source === "image" ? declared.get(props.disks[0].image.ref) : undefined;
    if (image && !hw.osTemplates.includes(image.name)) {
      throw new LiveStateError(`its OS template ${JSON.stringify(image.name)} (${image.address}) is not installed on ${hw.server.host} (it has ${hw.osTemplates.join(", ") || "none"})`, vm.address);
    }
    const template = props.template ? declared.get(props.template.ref) : undefined;
    if (template && !hw.serverTemplates.includes(template.name)) {
      throw new LiveStateError(`its server template ${JSON.stringify(template.name)} (${template.address}) is not on ${hw.server.host} (it has ${hw.serverTemplates.join(", ") || "none"})`, vm.address);
    }
  }

  // The stack's containers.
  // Looked up once, not per container: addresses by kind and name, declarations by former address.
  const addressByName = new Map((desired?.resources ?? []).map((r) => [`${r.kind}\0${r.name}`, r.address]));
  const byName = (kind: string, name: string | null) => (name === null ? undefined : addressByName.get(`${kind}\0${name}`));
  const movedFrom = new Map((desired?.resources ?? []).flatMap((r) => (r.lifecycle?.movedFrom !== undefined ? [[r.lifecycle.movedFrom, r] as const] : [])));
  const firstNetwork = declaredOf("VirtualNetwork")[0];
  for (const hw of view.hardware) {
    for (const { address, vs } of hw.owned) {
      // What is not readable comes from the declaration: the container's own, or the one moved from here.
      const wanted = declared.get(address) ?? movedFrom.get(address);
      const wantedProps = wanted?.kind === "VirtualMachine" ? (wanted.props as VirtualMachineSpec) : undefined;
      const imageRef = byName("Image", vs.osTemplate);
      const templateRef = byName("VmTemplate", vs.serverTemplate);
      const declaredNics = wantedProps?.nics ?? [];
      const venet = declaredNics[0]?.network ?? { ref: firstNetwork?.address ?? "venet" };
      const nics: NicSpec[] = vs.ipAddresses.map((ip, i) => ({ network: declaredNics[i]?.network ?? venet, ip, securityGroups: [] }));
      const raw: Record<string, RawValue> = {};
      const declaredRaw = (wantedProps?.raw?.openvz ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(declaredRaw) as RawKey[]) {
        if (!(key in RAW_FIELDS)) continue;
        const value = rawValue(key, vs, view);
        if (value !== undefined) raw[key] = value;
      }
      const context = wantedProps?.context as ContextSpec | undefined;
      const props: VirtualMachineSpec = {
        attributes: {},
        ...(vs.cpus !== null && vs.cpus > 0 ? { vcpu: vs.cpus } : {}),
        ...(vs.memory !== null && vs.memory > 0 ? { memory: vs.memory } : {}),
        disks: [{ source: "image", image: imageRef ? { ref: imageRef } : panelRef("OS template", vs.osTemplate), ...(vs.diskspace !== null && vs.diskspace > 0 ? { size: vs.diskspace } : {}) }],
        nics,
        labels: [],
        powerState: vs.state === "running" ? "running" : "poweroff",
        ...(wantedProps?.template !== undefined ? { template: templateRef ? { ref: templateRef } : panelRef("server template", vs.serverTemplate) } : {}),
        // Not readable: the root password and the rest of the context are the declaration's.
        ...(context !== undefined ? { context } : {}),
        ...(Object.keys(raw).length > 0 ? { raw: { openvz: raw } } : {}),
      };
      const dependsOn = [imageRef, wantedProps?.template !== undefined ? templateRef : undefined, ...nics.map((n) => (declared.has(n.network.ref) ? n.network.ref : undefined))].filter(
        (a): a is string => a !== undefined,
      );
      const state = (vs.state ?? "unknown").toUpperCase();
      resources.push({
        address,
        kind: "VirtualMachine",
        name: vs.hostName ?? "",
        id: String(vs.id),
        props,
        dependsOn: [...new Set(dependsOn)].sort(),
        status: { state, healthy: state === "RUNNING" || state === "STOPPED" },
        ...(vs.ipAddresses[0] !== undefined ? { values: { ip: vs.ipAddresses[0] } } : {}),
      });
    }
  }
  const foreign: ForeignObject[] = view.hardware.flatMap((hw) => hw.foreign.map((f) => ({ kind: "VirtualMachine" as const, id: String(f.id), name: f.hostName, why: "its description does not carry the stack's mark", remedy: `adopt it by setting its description to the stack's mark ("hyperplan ${stack} …", see the README), or rename one of them` })));
  return { stack, endpoint, resources, ...(foreign.length > 0 ? { foreign } : {}), fingerprint: fingerprintLive(resources) };
}

function rawValue(key: RawKey, vs: OwpVirtualServer, view: PanelView): RawValue | undefined {
  switch (key) {
    case "hardwareServer":
      return view.hardware.find((h) => h.server.id === vs.hardwareServerId)?.server.host;
    case "vswap":
      return vs.vswap ?? undefined;
    case "cpuUnits":
      return vs.cpuUnits ?? undefined;
    case "cpuLimit":
      return vs.cpuLimit ?? undefined;
    case "nameserver":
      return vs.nameserver ?? undefined;
    case "searchDomain":
      return vs.searchDomain ?? undefined;
    case "startOnBoot":
      return vs.startOnBoot ?? undefined;
  }
}
