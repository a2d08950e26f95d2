/**
 * The stored form of every simulated object: plain JSON-able data (the state file is these
 * records verbatim). Templates are treated as immutable values: code that changes one builds a
 * new array or vector, so bulk-seeded objects may share unchanged parts safely.
 */
import type { PoolObject } from "./pool.js";
import type { Template, TemplateVector } from "./template-ops.js";
import type { LockInfo, Permissions } from "./xml.js";

export interface OwnedRecord extends PoolObject {
  uname: string;
  gname: string;
  perms: Permissions;
  lock: LockInfo | null;
}

export interface HistoryRecord {
  seq: number;
  hostname: string;
  hid: number;
  cid: number;
  stime: number;
  etime: number;
  vmMad: string;
  tmMad: string;
  dsId: number;
  pstime: number;
  petime: number;
  rstime: number;
  retime: number;
  estime: number;
  eetime: number;
  action: number;
}

/** An operation in flight on a VM that must be completed or rolled back when its step fires. */
export type VmPending =
  | { kind: "disk-attach"; diskId: number }
  | { kind: "disk-detach"; diskId: number }
  | { kind: "nic-attach"; nicId: number }
  | { kind: "nic-detach"; nicId: number }
  | { kind: "disk-resize"; diskId: number; size: number; previous: number }
  | { kind: "resize" }
  | { kind: "updateconf" };

export interface VmRecord extends OwnedRecord {
  lastPoll: number;
  state: number;
  lcmState: number;
  prevState: number;
  prevLcmState: number;
  resched: number;
  stime: number;
  etime: number;
  deployId: string;
  /** VM/TEMPLATE: only names vm.xsd lists. */
  template: Template;
  userTemplate: Template;
  history: HistoryRecord[];
  /** BACKUPS/BACKUP_CONFIG. */
  backupConfig: TemplateVector;
  /** Bumped on every lifecycle change; a queued step whose op differs is stale and ignored. */
  op: number;
  /** Host whose capacity this VM holds, or -1. */
  hostId: number;
  /** CPU (×100) and memory (KB) charged on hostId. */
  heldCpu: number;
  heldMem: number;
  /** The step to fail at, decided by a fail-state fault when the VM is deployed. */
  failAt: "PROLOG_FAILURE" | "BOOT_FAILURE" | null;
  /** Go to HOLD rather than PENDING once CLONING is over (allocate's hold flag or SUBMIT_ON_HOLD). */
  holdAfterCloning?: boolean;
  failMessage: string | null;
  pending: VmPending | null;
}

export interface ImageRecord extends OwnedRecord {
  type: number;
  diskType: number;
  persistent: number;
  regtime: number;
  modtime: number;
  source: string;
  path: string;
  format: string;
  fs: string;
  size: number;
  state: number;
  prevState: number;
  datastoreId: number;
  datastore: string;
  /** Ids of the VMs using the image (RUNNING_VMS is its length). */
  vms: number[];
  template: Template;
  op: number;
}

export interface Lease {
  /** Offset of the address inside its range. */
  index: number;
  vm: number;
}

export interface AddressRange {
  id: number;
  /** The AR attributes as given (TYPE, IP, MAC, SIZE, …), plus the MAC oned generates. */
  attrs: TemplateVector;
  leases: Lease[];
  nextIndex: number;
}

export interface VnetRecord extends OwnedRecord {
  clusters: number[];
  bridge: string;
  bridgeType: string;
  state: number;
  prevState: number;
  vnMad: string;
  phydev: string;
  vlanId: string | null;
  outerVlanId: string | null;
  /** The VLAN id was assigned by the pool (AUTOMATIC_VLAN_ID). */
  vlanIdAutomatic: boolean;
  template: Template;
  ars: AddressRange[];
  nextArId: number;
  op: number;
}

export interface VmTemplateRecord extends OwnedRecord {
  regtime: number;
  template: Template;
}

export interface SecGroupRecord extends OwnedRecord {
  template: Template;
  /** VMs whose NICs use the group (UPDATED_VMS: rules are pushed synchronously here). */
  vms: number[];
}

/** A generic document (`src/document/Document.cc`): an application's TYPE and a free TEMPLATE. */
export interface DocumentRecord extends OwnedRecord {
  /** The application's document type (OneFlow uses its own numbers), chosen at allocate. */
  type: number;
  template: Template;
}

export interface DatastoreRecord extends OwnedRecord {
  dsMad: string;
  tmMad: string;
  basePath: string;
  /** 0 IMAGE_DS, 1 SYSTEM_DS, 2 FILE_DS. */
  type: number;
  diskType: number;
  state: number;
  clusters: number[];
  totalMb: number;
  template: Template;
}

export interface HostRecord extends PoolObject {
  state: number;
  prevState: number;
  imMad: string;
  vmMad: string;
  clusterId: number;
  cluster: string;
  /** Cores × 100. */
  maxCpu: number;
  /** KB. */
  maxMem: number;
  cpuUsage: number;
  memUsage: number;
  vms: number[];
  template: Template;
}

export interface ClusterRecord extends PoolObject {
  template: Template;
}
