/**
 * A VM's documents (`VirtualMachine::to_xml`, `to_xml_extended`, `to_xml_short`; vm.xsd,
 * vm_pool.xsd). Three bodies:
 * - "info" (one.vm.info): full body, every HISTORY record;
 * - "extended" (one.vmpool.infoextended, infoset(…, true)): full body, only the last HISTORY;
 * - "short" (one.vmpool.info, infoset(…, false)): the fields FACTS §4 lists, and nothing else.
 * VM/TEMPLATE is a closed sequence in vm.xsd, so its children are printed in the schema's order.
 */
import type { HistoryRecord, VmRecord } from "./records.js";
import { VmState } from "./vm-states.js";
import type { Template, TemplateAttribute, TemplateVector } from "./template-ops.js";
import { attributeXml, el, lockXml, permissionsXml, templateXml, vectorBody } from "./xml.js";

/** vm.xsd VM/TEMPLATE children, in order. Only these names may live in VmRecord.template. */
export const VM_TEMPLATE_ORDER = [
  "AUTOMATIC_DS_REQUIREMENTS",
  "AUTOMATIC_NIC_REQUIREMENTS",
  "AUTOMATIC_REQUIREMENTS",
  "CLONING_TEMPLATE_ID",
  "CONTEXT",
  "CPU",
  "CPU_COST",
  "DISK",
  "DISK_COST",
  "EMULATOR",
  "FEATURES",
  "HYPERV_OPTIONS",
  "GRAPHICS",
  "VIDEO",
  "IMPORTED",
  "INPUT",
  "MEMORY",
  "MEMORY_COST",
  "MEMORY_MAX",
  "MEMORY_SLOTS",
  "MEMORY_RESIZE_MODE",
  "NIC",
  "NIC_ALIAS",
  "NIC_DEFAULT",
  "NUMA_NODE",
  "OS",
  "PCI",
  "QEMU_GA_EXEC",
  "RAW",
  "SECURITY_GROUP_RULE",
  "SNAPSHOT",
  "SPICE_OPTIONS",
  "SUBMIT_ON_HOLD",
  "TEMPLATE_ID",
  "TM_MAD_SYSTEM",
  "TOPOLOGY",
  "TPM",
  "MEMORY_ENCRYPTION",
  "VCPU",
  "VCPU_MAX",
  "VMGROUP",
  "VMID",
  "VROUTER_ID",
  "VROUTER_KEEPALIVED_ID",
  "VROUTER_KEEPALIVED_PASSWORD",
  "SCHED_ACTION",
] as const;

const TEMPLATE_RANK = new Map<string, number>(VM_TEMPLATE_ORDER.map((n, i) => [n, i]));

/** Sub-element orders vm.xsd fixes for some vectors (the others are anyType). */
const VECTOR_ORDERS: Record<string, readonly string[]> = {
  VIDEO: ["TYPE", "IOMMU", "ATS", "VRAM", "RESOLUTION"],
  QEMU_GA_EXEC: ["COMMAND", "PID", "RETURN_CODE", "STATUS", "STDERR", "STDIN", "STDOUT"],
};

export function isVmTemplateName(name: string): boolean {
  return TEMPLATE_RANK.has(name);
}

function vmTemplateXml(t: Template): string {
  const sorted = [...t].sort((a, b) => (TEMPLATE_RANK.get(a.name) ?? 999) - (TEMPLATE_RANK.get(b.name) ?? 999));
  let out = "<TEMPLATE>";
  for (const a of sorted) out += attributeXml(a, VECTOR_ORDERS[a.name]);
  return `${out}</TEMPLATE>`;
}

const SHORT_DISK_KEYS = new Set([
  "DISK_ID",
  "DATASTORE",
  "DATASTORE_ID",
  "IMAGE",
  "IMAGE_ID",
  "SIZE",
  "TYPE",
  "CLONE",
  "CLONE_TARGET",
  "LN_TARGET",
  "DISK_SNAPSHOT_TOTAL_SIZE",
]);

const SHORT_NIC_KEYS = new Set(["IP", "EXTERNAL_IP", "NETWORK_MODE", "MAC", "NETWORK", "NETWORK_ID", "NIC_ID", "SECURITY_GROUPS"]);

/** `VirtualMachineTemplate::to_xml_short`: the USER_TEMPLATE attributes the short body keeps. */
const SHORT_USER_KEYS = new Set([
  "LABELS",
  "ERROR",
  "SCHED_MESSAGE",
  "SCHED_RANK",
  "SCHED_DS_RANK",
  "SCHED_REQUIREMENTS",
  "SCHED_DS_REQUIREMENTS",
  "USER_PRIORITY",
  "SCHED_ACTION",
]);

function pick(v: TemplateVector, keep: (k: string) => boolean): TemplateVector {
  const out: TemplateVector = {};
  for (const [k, value] of Object.entries(v)) if (keep(k)) out[k] = value;
  return out;
}

function shortTemplateXml(t: Template): string {
  let out = "<TEMPLATE>";
  const singles = ["CPU", "MEMORY", "VCPU"];
  for (const n of singles) {
    const a = t.find((x) => x.name === n && typeof x.value === "string");
    if (a) out += attributeXml(a);
  }
  for (const a of t) {
    if (a.name === "DISK" && typeof a.value !== "string") out += `<DISK>${vectorBody(pick(a.value, (k) => SHORT_DISK_KEYS.has(k)))}</DISK>`;
  }
  for (const a of t) {
    if (a.name === "NIC" && typeof a.value !== "string") {
      out += `<NIC>${vectorBody(pick(a.value, (k) => SHORT_NIC_KEYS.has(k) || k.startsWith("IP6") || k.startsWith("SCHED_")))}</NIC>`;
    }
  }
  const graphics = t.find((x) => x.name === "GRAPHICS");
  if (graphics) out += attributeXml(graphics);
  return `${out}</TEMPLATE>`;
}

function historyXml(h: HistoryRecord, oid: number): string {
  const who = h.action === 0 ? -1 : 0;
  return (
    `<HISTORY>${el("OID", oid)}${el("SEQ", h.seq)}${el("HOSTNAME", h.hostname)}${el("HID", h.hid)}${el("CID", h.cid)}` +
    `${el("STIME", h.stime)}${el("ETIME", h.etime)}${el("VM_MAD", h.vmMad)}${el("TM_MAD", h.tmMad)}${el("DS_ID", h.dsId)}` +
    `${el("PLAN_ID", -1)}${el("ACTION_ID", -1)}${el("PSTIME", h.pstime)}${el("PETIME", h.petime)}${el("RSTIME", h.rstime)}` +
    `${el("RETIME", h.retime)}${el("ESTIME", h.estime)}${el("EETIME", h.eetime)}${el("ACTION", h.action)}` +
    `${el("UID", who)}${el("GID", who)}${el("REQUEST_ID", -1)}</HISTORY>`
  );
}

function shortHistoryXml(h: HistoryRecord, oid: number): string {
  return (
    `<HISTORY>${el("OID", oid)}${el("SEQ", h.seq)}${el("HOSTNAME", h.hostname)}${el("HID", h.hid)}${el("CID", h.cid)}` +
    `${el("DS_ID", h.dsId)}${el("VM_MAD", h.vmMad)}${el("TM_MAD", h.tmMad)}${el("ACTION", h.action)}</HISTORY>`
  );
}

/** Monitoring figures a probe would report for a running VM, stable per VM so documents do not churn. */
function monitoringValues(vm: VmRecord): { cpu: string; memory: number; netrx: number; nettx: number; rd: number; wr: number } {
  const memMb = Number(vm.template.find((a) => a.name === "MEMORY")?.value ?? "0") || 0;
  const seed = (vm.id * 2654435761) >>> 0;
  return {
    cpu: ((seed % 400) / 100).toFixed(2),
    memory: Math.round(memMb * 1024 * (0.4 + (seed % 50) / 100)),
    netrx: 1_000_000 + (seed % 9_000_000),
    nettx: 500_000 + (seed % 4_000_000),
    rd: 20_000_000 + (seed % 80_000_000),
    wr: 5_000_000 + (seed % 40_000_000),
  };
}

function monitored(vm: VmRecord): boolean {
  return vm.lastPoll > 0 && vm.state !== VmState.DONE;
}

function monitoringXml(vm: VmRecord): string {
  if (!monitored(vm)) return "<MONITORING/>";
  const m = monitoringValues(vm);
  let disks = "";
  for (const a of vm.template) {
    if (a.name === "DISK" && typeof a.value !== "string") {
      disks += `<DISK_SIZE><ID>${a.value.DISK_ID ?? "0"}</ID><SIZE>${Math.round(Number(a.value.SIZE ?? "0") / 4) || 0}</SIZE></DISK_SIZE>`;
    }
  }
  return (
    `<MONITORING><CPU>${m.cpu}</CPU><DISKRDBYTES>${m.rd}</DISKRDBYTES><DISKRDIOPS>${Math.round(m.rd / 4096)}</DISKRDIOPS>` +
    `<DISKWRBYTES>${m.wr}</DISKWRBYTES><DISKWRIOPS>${Math.round(m.wr / 4096)}</DISKWRIOPS>${disks}<ID>${vm.id}</ID>` +
    `<MEMORY>${m.memory}</MEMORY><NETRX>${m.netrx}</NETRX><NETTX>${m.nettx}</NETTX><TIMESTAMP>${vm.lastPoll}</TIMESTAMP></MONITORING>`
  );
}

function shortMonitoringXml(vm: VmRecord): string {
  if (!monitored(vm)) return "<MONITORING/>";
  const m = monitoringValues(vm);
  return `<MONITORING><CPU>${m.cpu}</CPU><MEMORY>${m.memory}</MEMORY><STATE>a</STATE></MONITORING>`;
}

function head(vm: VmRecord): string {
  return `<VM>${el("ID", vm.id)}${el("UID", vm.uid)}${el("GID", vm.gid)}${el("UNAME", vm.uname)}${el("GNAME", vm.gname)}${el("NAME", vm.name)}`;
}

// vm.xsd BACKUP_CONFIG children (alphabetical, closed).
export const BACKUP_CONFIG_KEYS = new Set([
  "BACKUP_JOB_ID",
  "BACKUP_VOLATILE",
  "DISK_IDS",
  "FS_FREEZE",
  "INCREMENTAL_BACKUP_ID",
  "INCREMENT_MODE",
  "INTERACTIVE",
  "KEEP_LAST",
  "LAST_BACKUP_ID",
  "LAST_BACKUP_SIZE",
  "LAST_BRIDGE",
  "LAST_DATASTORE_ID",
  "LAST_INCREMENT_ID",
  "MODE",
]);

/** The full body: "info" prints every HISTORY record, "extended" only the last. */
export function vmFullXml(vm: VmRecord, allHistory: boolean): string {
  const records = allHistory ? vm.history : vm.history.slice(-1);
  const history = records.length === 0 ? "<HISTORY_RECORDS/>" : `<HISTORY_RECORDS>${records.map((h) => historyXml(h, vm.id)).join("")}</HISTORY_RECORDS>`;
  const backupBody = vectorBody(vm.backupConfig);
  return (
    `${head(vm)}${permissionsXml(vm.perms)}${el("LAST_POLL", vm.lastPoll)}${el("STATE", vm.state)}${el("LCM_STATE", vm.lcmState)}` +
    `${el("PREV_STATE", vm.prevState)}${el("PREV_LCM_STATE", vm.prevLcmState)}${el("RESCHED", vm.resched)}${el("STIME", vm.stime)}` +
    `${el("ETIME", vm.etime)}${el("DEPLOY_ID", vm.deployId)}${lockXml(vm.lock)}${monitoringXml(vm)}<SCHED_ACTIONS/>` +
    `${vmTemplateXml(vm.template)}${templateXml(vm.userTemplate, "USER_TEMPLATE")}${history}` +
    `<BACKUPS>${backupBody === "" ? "<BACKUP_CONFIG/>" : `<BACKUP_CONFIG>${backupBody}</BACKUP_CONFIG>`}<BACKUP_IDS/></BACKUPS></VM>`
  );
}

export function vmShortXml(vm: VmRecord): string {
  const last = vm.history[vm.history.length - 1];
  const history = last ? `<HISTORY_RECORDS>${shortHistoryXml(last, vm.id)}</HISTORY_RECORDS>` : "<HISTORY_RECORDS/>";
  const user: TemplateAttribute[] = vm.userTemplate.filter((a) => SHORT_USER_KEYS.has(a.name));
  const lock = vm.lock ? `<LOCK><LOCKED>${vm.lock.locked}</LOCKED></LOCK>` : "";
  return (
    `${head(vm)}${el("LAST_POLL", vm.lastPoll)}${el("STATE", vm.state)}${el("LCM_STATE", vm.lcmState)}${el("RESCHED", vm.resched)}` +
    `${el("STIME", vm.stime)}${el("ETIME", vm.etime)}${el("DEPLOY_ID", vm.deployId)}${lock}${shortTemplateXml(vm.template)}` +
    `${shortMonitoringXml(vm)}${templateXml(user, "USER_TEMPLATE")}${history}</VM>`
  );
}
