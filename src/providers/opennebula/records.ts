/**
 * Typed records of oned's documents (the XSDs in shared/reference/opennebula/xsd): numbers are numbers
 * for the numeric schema fields, template attributes stay the strings oned sent, templates keep their
 * vector structure, repeated elements are arrays.
 */
import type { Template } from "./template-syntax.js";
import { child, children, flatMap, ids, num, optNum, optStr, parseXmlDocument, str, templateOf, text, type XmlNode } from "./xml-node.js";

export interface Permissions {
  ownerU: number; ownerM: number; ownerA: number;
  groupU: number; groupM: number; groupA: number;
  otherU: number; otherM: number; otherA: number;
}

export interface LockInfo {
  locked: number;
  owner: number;
  time: number;
  reqId: number;
}

interface Owned {
  id: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  name: string;
  permissions?: Permissions;
  lock?: LockInfo;
}

export interface HistoryRecord {
  seq: number;
  hostname: string;
  hid: number;
  cid: number;
  dsId: number;
  action: number;
  stime: number;
  etime: number;
  vmMad: string;
  tmMad: string;
}

export interface VmRecord extends Owned {
  lastPoll: number;
  state: number;
  lcmState: number;
  prevState?: number;
  prevLcmState?: number;
  resched: number;
  stime: number;
  etime: number;
  deployId: string;
  monitoring: Template;
  template: Template;
  userTemplate: Template;
  /** The attributes of BACKUPS/BACKUP_CONFIG, empty when the document has none. */
  backupConfig: Template;
  /** The history records the document carries (the pool bodies carry only the last one). */
  history: HistoryRecord[];
}

export interface ImageSnapshotRecord {
  id: number;
  name: string;
  date: number;
  parent: number;
  size: number;
  active: boolean;
}

export interface ImageRecord extends Owned {
  type: number;
  diskType: number;
  persistent: boolean;
  regtime: number;
  modtime?: number;
  source: string;
  path: string;
  format?: string;
  fs?: string;
  size: number;
  state: number;
  prevState?: number;
  runningVms: number;
  cloningOps: number;
  cloningId: number;
  targetSnapshot: number;
  datastoreId: number;
  datastore: string;
  vms: number[];
  clones: number[];
  appClones: number[];
  template: Template;
  snapshots: ImageSnapshotRecord[];
}

export interface LeaseRecord {
  ip?: string;
  ip6?: string;
  mac: string;
  vm?: number;
  vnet?: number;
  vrouter?: number;
}

export interface AddressRangeRecord {
  arId: number;
  type: string;
  ip?: string;
  ipEnd?: string;
  mac: string;
  macEnd?: string;
  size: number;
  usedLeases: number;
  globalPrefix?: string;
  ulaPrefix?: string;
  /** Every child of the AR as text, including the ones above and user attributes. */
  attributes: Record<string, string>;
  leases: LeaseRecord[];
}

export interface VnetRecord extends Owned {
  clusters: number[];
  bridge: string;
  bridgeType?: string;
  state?: number;
  prevState?: number;
  parentNetworkId: string;
  vnMad: string;
  phydev: string;
  vlanId: string;
  outerVlanId: string;
  vlanIdAutomatic: boolean;
  usedLeases: number;
  vrouters: number[];
  template: Template;
  addressRanges: AddressRangeRecord[];
}

export interface VmTemplateRecord extends Owned {
  regtime: number;
  template: Template;
}

export interface SecurityGroupRecord extends Owned {
  updatedVms: number[];
  outdatedVms: number[];
  updatingVms: number[];
  errorVms: number[];
  template: Template;
  /** TEMPLATE/RULE vectors, as maps of their sub-attributes. */
  rules: Record<string, string>[];
}

export interface DatastoreRecord extends Owned {
  dsMad: string;
  tmMad: string;
  basePath: string;
  type: number;
  diskType: number;
  state: number;
  clusters: number[];
  totalMb: number;
  freeMb: number;
  usedMb: number;
  images: number[];
  template: Template;
}

export interface HostRecord {
  id: number;
  name: string;
  state: number;
  prevState?: number;
  imMad: string;
  vmMad: string;
  clusterId: number;
  cluster: string;
  share: { memUsage: number; cpuUsage: number; totalMem: number; totalCpu: number; maxMem: number; maxCpu: number; runningVms: number };
  vms: number[];
  template: Template;
}

export interface ClusterRecord {
  id: number;
  name: string;
  hosts: number[];
  datastores: number[];
  vnets: number[];
  template: Template;
}

function owned(node: XmlNode): Owned {
  const record: Owned = {
    id: num(node, "ID"),
    uid: num(node, "UID"),
    gid: num(node, "GID"),
    uname: str(node, "UNAME"),
    gname: str(node, "GNAME"),
    name: str(node, "NAME"),
  };
  const p = child(node, "PERMISSIONS");
  if (p) {
    record.permissions = {
      ownerU: num(p, "OWNER_U"), ownerM: num(p, "OWNER_M"), ownerA: num(p, "OWNER_A"),
      groupU: num(p, "GROUP_U"), groupM: num(p, "GROUP_M"), groupA: num(p, "GROUP_A"),
      otherU: num(p, "OTHER_U"), otherM: num(p, "OTHER_M"), otherA: num(p, "OTHER_A"),
    };
  }
  const l = child(node, "LOCK");
  if (l && Object.keys(l).some((k) => k !== "#text")) {
    record.lock = { locked: num(l, "LOCKED"), owner: num(l, "OWNER"), time: num(l, "TIME"), reqId: num(l, "REQ_ID", -1) };
  }
  return record;
}

function maybe<T extends object, K extends string, V>(target: T, key: K, value: V | undefined): T {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}

export function vmFromNode(node: XmlNode): VmRecord {
  const history = children(child(node, "HISTORY_RECORDS") ?? {}, "HISTORY").map((h) => ({
    seq: num(h, "SEQ"),
    hostname: str(h, "HOSTNAME"),
    hid: num(h, "HID", -1),
    cid: num(h, "CID", -1),
    dsId: num(h, "DS_ID", -1),
    action: num(h, "ACTION"),
    stime: num(h, "STIME"),
    etime: num(h, "ETIME"),
    vmMad: str(h, "VM_MAD"),
    tmMad: str(h, "TM_MAD"),
  }));
  const record: VmRecord = {
    ...owned(node),
    lastPoll: num(node, "LAST_POLL"),
    state: num(node, "STATE"),
    lcmState: num(node, "LCM_STATE"),
    resched: num(node, "RESCHED"),
    stime: num(node, "STIME"),
    etime: num(node, "ETIME"),
    deployId: str(node, "DEPLOY_ID"),
    monitoring: templateOf(child(node, "MONITORING")),
    template: templateOf(child(node, "TEMPLATE")),
    userTemplate: templateOf(child(node, "USER_TEMPLATE")),
    // BACKUPS/BACKUP_CONFIG (oned 6.x on): what updateconf's BACKUP_CONFIG section sets.
    backupConfig: templateOf(child(child(node, "BACKUPS") ?? {}, "BACKUP_CONFIG")),
    history,
  };
  maybe(record, "prevState", optNum(node, "PREV_STATE"));
  return maybe(record, "prevLcmState", optNum(node, "PREV_LCM_STATE"));
}

export function imageFromNode(node: XmlNode): ImageRecord {
  const snapshots = children(child(node, "SNAPSHOTS") ?? {}, "SNAPSHOT").map((s) => ({
    id: num(s, "ID"),
    name: str(s, "NAME"),
    date: num(s, "DATE"),
    parent: num(s, "PARENT", -1),
    size: num(s, "SIZE"),
    active: str(s, "ACTIVE").toUpperCase() === "YES",
  }));
  const record: ImageRecord = {
    ...owned(node),
    type: num(node, "TYPE"),
    diskType: num(node, "DISK_TYPE"),
    persistent: num(node, "PERSISTENT") === 1,
    regtime: num(node, "REGTIME"),
    source: str(node, "SOURCE"),
    path: str(node, "PATH"),
    size: num(node, "SIZE"),
    state: num(node, "STATE"),
    runningVms: num(node, "RUNNING_VMS"),
    cloningOps: num(node, "CLONING_OPS"),
    cloningId: num(node, "CLONING_ID", -1),
    targetSnapshot: num(node, "TARGET_SNAPSHOT", -1),
    datastoreId: num(node, "DATASTORE_ID"),
    datastore: str(node, "DATASTORE"),
    vms: ids(node, "VMS"),
    clones: ids(node, "CLONES"),
    appClones: ids(node, "APP_CLONES"),
    template: templateOf(child(node, "TEMPLATE")),
    snapshots,
  };
  maybe(record, "modtime", optNum(node, "MODTIME"));
  maybe(record, "format", optStr(node, "FORMAT"));
  maybe(record, "fs", optStr(node, "FS"));
  return maybe(record, "prevState", optNum(node, "PREV_STATE"));
}

function addressRange(ar: XmlNode): AddressRangeRecord {
  const leases = children(child(ar, "LEASES") ?? {}, "LEASE").map((l) => {
    const lease: LeaseRecord = { mac: str(l, "MAC") };
    maybe(lease, "ip", optStr(l, "IP"));
    maybe(lease, "ip6", optStr(l, "IP6"));
    maybe(lease, "vm", optNum(l, "VM"));
    maybe(lease, "vnet", optNum(l, "VNET"));
    return maybe(lease, "vrouter", optNum(l, "VROUTER"));
  });
  const attributes = flatMap(ar);
  delete attributes.LEASES;
  const record: AddressRangeRecord = {
    arId: num(ar, "AR_ID"),
    type: str(ar, "TYPE"),
    mac: str(ar, "MAC"),
    size: num(ar, "SIZE"),
    usedLeases: num(ar, "USED_LEASES"),
    attributes,
    leases,
  };
  maybe(record, "ip", optStr(ar, "IP"));
  maybe(record, "ipEnd", optStr(ar, "IP_END"));
  maybe(record, "macEnd", optStr(ar, "MAC_END"));
  maybe(record, "globalPrefix", optStr(ar, "GLOBAL_PREFIX"));
  return maybe(record, "ulaPrefix", optStr(ar, "ULA_PREFIX"));
}

export function vnetFromNode(node: XmlNode): VnetRecord {
  // Older oned printed a single CLUSTER_ID (-1 for none) instead of CLUSTERS/ID.
  const legacyCluster = optNum(node, "CLUSTER_ID");
  const clusters = child(node, "CLUSTERS") ? ids(node, "CLUSTERS") : legacyCluster !== undefined && legacyCluster >= 0 ? [legacyCluster] : [];
  const record: VnetRecord = {
    ...owned(node),
    clusters,
    bridge: str(node, "BRIDGE"),
    parentNetworkId: str(node, "PARENT_NETWORK_ID"),
    vnMad: str(node, "VN_MAD"),
    phydev: str(node, "PHYDEV"),
    vlanId: str(node, "VLAN_ID"),
    outerVlanId: str(node, "OUTER_VLAN_ID"),
    vlanIdAutomatic: str(node, "VLAN_ID_AUTOMATIC") === "1",
    usedLeases: num(node, "USED_LEASES"),
    vrouters: ids(node, "VROUTERS"),
    template: templateOf(child(node, "TEMPLATE")),
    addressRanges: children(child(node, "AR_POOL") ?? {}, "AR").map(addressRange),
  };
  maybe(record, "bridgeType", optStr(node, "BRIDGE_TYPE"));
  maybe(record, "state", optNum(node, "STATE"));
  return maybe(record, "prevState", optNum(node, "PREV_STATE"));
}

export function vmTemplateFromNode(node: XmlNode): VmTemplateRecord {
  return { ...owned(node), regtime: num(node, "REGTIME"), template: templateOf(child(node, "TEMPLATE")) };
}

export function securityGroupFromNode(node: XmlNode): SecurityGroupRecord {
  const templateNode = child(node, "TEMPLATE");
  return {
    ...owned(node),
    updatedVms: ids(node, "UPDATED_VMS"),
    outdatedVms: ids(node, "OUTDATED_VMS"),
    updatingVms: ids(node, "UPDATING_VMS"),
    errorVms: ids(node, "ERROR_VMS"),
    template: templateOf(templateNode),
    rules: templateNode ? children(templateNode, "RULE").map(flatMap) : [],
  };
}

export function datastoreFromNode(node: XmlNode): DatastoreRecord {
  return {
    ...owned(node),
    dsMad: str(node, "DS_MAD"),
    tmMad: str(node, "TM_MAD"),
    basePath: str(node, "BASE_PATH"),
    type: num(node, "TYPE"),
    diskType: num(node, "DISK_TYPE"),
    state: num(node, "STATE"),
    clusters: ids(node, "CLUSTERS"),
    totalMb: num(node, "TOTAL_MB"),
    freeMb: num(node, "FREE_MB"),
    usedMb: num(node, "USED_MB"),
    images: ids(node, "IMAGES"),
    template: templateOf(child(node, "TEMPLATE")),
  };
}

export function hostFromNode(node: XmlNode): HostRecord {
  const share = child(node, "HOST_SHARE") ?? {};
  const record: HostRecord = {
    id: num(node, "ID"),
    name: str(node, "NAME"),
    state: num(node, "STATE"),
    imMad: str(node, "IM_MAD"),
    vmMad: str(node, "VM_MAD"),
    clusterId: num(node, "CLUSTER_ID", -1),
    cluster: str(node, "CLUSTER"),
    share: {
      memUsage: num(share, "MEM_USAGE"),
      cpuUsage: num(share, "CPU_USAGE"),
      totalMem: num(share, "TOTAL_MEM"),
      totalCpu: num(share, "TOTAL_CPU"),
      maxMem: num(share, "MAX_MEM"),
      maxCpu: num(share, "MAX_CPU"),
      runningVms: num(share, "RUNNING_VMS"),
    },
    vms: ids(node, "VMS"),
    template: templateOf(child(node, "TEMPLATE")),
  };
  return maybe(record, "prevState", optNum(node, "PREV_STATE"));
}

export function clusterFromNode(node: XmlNode): ClusterRecord {
  return {
    id: num(node, "ID"),
    name: str(node, "NAME"),
    hosts: ids(node, "HOSTS"),
    datastores: ids(node, "DATASTORES"),
    vnets: ids(node, "VNETS"),
    template: templateOf(child(node, "TEMPLATE")),
  };
}

/** A generic document (document.xsd): an application's own object, such as a stack's lock. */
export interface DocumentRecord extends Owned {
  type: number;
  template: Template;
}

export function documentFromNode(node: XmlNode): DocumentRecord {
  return { ...owned(node), type: num(node, "TYPE"), template: templateOf(child(node, "TEMPLATE")) };
}

/** The documents of a `<DOCUMENT_POOL>` (one.documentpool.info answers one type at a time). */
export function parseDocumentPool(xml: string): DocumentRecord[] {
  return children(parseXmlDocument(xml, "DOCUMENT_POOL"), "DOCUMENT").map(documentFromNode);
}

/** Every kind the readers know: the pool root, the object element and the record builder. */
export const KINDS = {
  vm: { pool: "VM_POOL", element: "VM", build: vmFromNode },
  image: { pool: "IMAGE_POOL", element: "IMAGE", build: imageFromNode },
  vnet: { pool: "VNET_POOL", element: "VNET", build: vnetFromNode },
  template: { pool: "VMTEMPLATE_POOL", element: "VMTEMPLATE", build: vmTemplateFromNode },
  secgroup: { pool: "SECURITY_GROUP_POOL", element: "SECURITY_GROUP", build: securityGroupFromNode },
  datastore: { pool: "DATASTORE_POOL", element: "DATASTORE", build: datastoreFromNode },
  host: { pool: "HOST_POOL", element: "HOST", build: hostFromNode },
  cluster: { pool: "CLUSTER_POOL", element: "CLUSTER", build: clusterFromNode },
} as const;

export type PoolKind = keyof typeof KINDS;
export type RecordOf<K extends PoolKind> = ReturnType<(typeof KINDS)[K]["build"]>;

/** Parses one object document (`one.vm.info` …) into its record. */
export function parseObject<K extends PoolKind>(kind: K, xml: string): RecordOf<K> {
  const spec = KINDS[kind];
  return spec.build(parseXmlDocument(xml, spec.element)) as RecordOf<K>;
}

/** Parses a whole pool document into records. */
export function parsePoolDocument<K extends PoolKind>(kind: K, xml: string): RecordOf<K>[] {
  const spec = KINDS[kind];
  const root = parseXmlDocument(xml, spec.pool);
  return children(root, spec.element).map((n) => spec.build(n) as RecordOf<K>);
}

export { text };
