/**
 * Throughput of the XML-RPC codec on a pool-sized response.
 *
 *   npx tsx bench/xmlrpc-codec.ts [vmCount]
 *
 * Builds a `one.vmpool.info`-like response for 10,000 VMs (about 70 MB on the wire, millions of
 * entities, as oned writes it: one `<string>` holding the whole escaped pool document) and prints
 * MB/s for each step, the median of a few runs. Not part of the tests.
 */
import { decodeResponse } from "../src/xmlrpc/decode";
import { encodeResponse } from "../src/xmlrpc/encode";
import { escapeXml, unescapeXml } from "../src/xmlrpc/escape";
import { EscapedString, type XmlRpcValue } from "../src/xmlrpc/values";

const RUNS = 5;

/** One VM as oned writes it (no whitespace between elements, CDATA in templates), about 4.9 KB. */
function vmDocument(id: number): string {
  const disk = (diskId: number) =>
    `<DISK><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS><CLONE><![CDATA[YES]]></CLONE>` +
    `<CLONE_TARGET><![CDATA[SYSTEM]]></CLONE_TARGET><CLUSTER_ID><![CDATA[0]]></CLUSTER_ID>` +
    `<DATASTORE><![CDATA[default]]></DATASTORE><DATASTORE_ID><![CDATA[1]]></DATASTORE_ID>` +
    `<DEV_PREFIX><![CDATA[vd]]></DEV_PREFIX><DISK_ID><![CDATA[${diskId}]]></DISK_ID>` +
    `<DISK_SNAPSHOT_TOTAL_SIZE><![CDATA[0]]></DISK_SNAPSHOT_TOTAL_SIZE><DISK_TYPE><![CDATA[FILE]]></DISK_TYPE>` +
    `<DRIVER><![CDATA[qcow2]]></DRIVER><FORMAT><![CDATA[qcow2]]></FORMAT><IMAGE><![CDATA[ubuntu-22.04]]></IMAGE>` +
    `<IMAGE_ID><![CDATA[${diskId + 3}]]></IMAGE_ID><IMAGE_STATE><![CDATA[2]]></IMAGE_STATE>` +
    `<LN_TARGET><![CDATA[NONE]]></LN_TARGET><ORIGINAL_SIZE><![CDATA[2252]]></ORIGINAL_SIZE>` +
    `<READONLY><![CDATA[NO]]></READONLY><SAVE><![CDATA[NO]]></SAVE><SIZE><![CDATA[10240]]></SIZE>` +
    `<SOURCE><![CDATA[/var/lib/one//datastores/1/0c6fd4b9d7a2b3d0e7e8f1a2b3c4d5e6]]></SOURCE>` +
    `<TARGET><![CDATA[vd${String.fromCharCode(97 + diskId)}]]></TARGET><TM_MAD><![CDATA[qcow2]]></TM_MAD>` +
    `<TYPE><![CDATA[FILE]]></TYPE></DISK>`;
  return (
    `<VM><ID>${id}</ID><UID>2</UID><GID>1</GID><UNAME>deploy</UNAME><GNAME>users</GNAME>` +
    `<NAME>web-${id}</NAME><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>` +
    `<GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M>` +
    `<OTHER_A>0</OTHER_A></PERMISSIONS><LAST_POLL>0</LAST_POLL><STATE>3</STATE><LCM_STATE>3</LCM_STATE>` +
    `<PREV_STATE>3</PREV_STATE><PREV_LCM_STATE>3</PREV_LCM_STATE><RESCHED>0</RESCHED>` +
    `<STIME>1729000000</STIME><ETIME>0</ETIME><DEPLOY_ID>one-${id}</DEPLOY_ID><MONITORING>` +
    `<CPU><![CDATA[2.01]]></CPU><MEMORY><![CDATA[1153024]]></MEMORY><STATE><![CDATA[a]]></STATE>` +
    `</MONITORING><SCHED_ACTIONS/><TEMPLATE>` +
    `<AUTOMATIC_DS_REQUIREMENTS><![CDATA[("CLUSTERS/ID" @> 0)]]></AUTOMATIC_DS_REQUIREMENTS>` +
    `<AUTOMATIC_REQUIREMENTS><![CDATA[(CLUSTER_ID = 0) & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)]]></AUTOMATIC_REQUIREMENTS>` +
    `<CONTEXT><DISK_ID><![CDATA[2]]></DISK_ID><ETH0_IP><![CDATA[10.0.${(id >> 8) & 255}.${id & 255}]]></ETH0_IP>` +
    `<ETH0_MAC><![CDATA[02:00:0a:00:00:01]]></ETH0_MAC><NETWORK><![CDATA[YES]]></NETWORK>` +
    `<SSH_PUBLIC_KEY><![CDATA[ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk deploy@ci]]></SSH_PUBLIC_KEY>` +
    `<TARGET><![CDATA[hda]]></TARGET></CONTEXT><CPU><![CDATA[0.5]]></CPU>` +
    disk(0) +
    disk(1) +
    `<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><PORT><![CDATA[${5900 + id}]]></PORT><TYPE><![CDATA[VNC]]></TYPE></GRAPHICS>` +
    `<MEMORY><![CDATA[1024]]></MEMORY><NIC><AR_ID><![CDATA[0]]></AR_ID><BRIDGE><![CDATA[br0]]></BRIDGE>` +
    `<BRIDGE_TYPE><![CDATA[linux]]></BRIDGE_TYPE><CLUSTER_ID><![CDATA[0]]></CLUSTER_ID>` +
    `<IP><![CDATA[10.0.${(id >> 8) & 255}.${id & 255}]]></IP><MAC><![CDATA[02:00:0a:00:00:01]]></MAC>` +
    `<MODEL><![CDATA[virtio]]></MODEL><NAME><![CDATA[NIC0]]></NAME><NETWORK><![CDATA[private]]></NETWORK>` +
    `<NETWORK_ID><![CDATA[0]]></NETWORK_ID><NIC_ID><![CDATA[0]]></NIC_ID><SECURITY_GROUPS><![CDATA[0]]></SECURITY_GROUPS>` +
    `<TARGET><![CDATA[one-${id}-0]]></TARGET><VN_MAD><![CDATA[bridge]]></VN_MAD></NIC>` +
    `<OS><ARCH><![CDATA[x86_64]]></ARCH><BOOT><![CDATA[disk0]]></BOOT></OS>` +
    `<TEMPLATE_ID><![CDATA[0]]></TEMPLATE_ID><TM_MAD_SYSTEM><![CDATA[ssh]]></TM_MAD_SYSTEM>` +
    `<VCPU><![CDATA[1]]></VCPU><VMID><![CDATA[${id}]]></VMID></TEMPLATE>` +
    `<USER_TEMPLATE><DESCRIPTION><![CDATA[Web tier & "frontend" <managed by hyperplan>]]></DESCRIPTION>` +
    `<HYPERPLAN_ADDRESS><![CDATA[lab/web-${id}]]></HYPERPLAN_ADDRESS>` +
    `<LOGO><![CDATA[images/logos/ubuntu.png]]></LOGO></USER_TEMPLATE>` +
    `<HISTORY_RECORDS><HISTORY><OID>${id}</OID><SEQ>0</SEQ><HOSTNAME>node-${id % 40}</HOSTNAME>` +
    `<HID>${id % 40}</HID><CID>0</CID><STIME>1729000010</STIME><ETIME>0</ETIME><VM_MAD><![CDATA[kvm]]></VM_MAD>` +
    `<TM_MAD><![CDATA[ssh]]></TM_MAD><DS_ID>0</DS_ID><PSTIME>1729000010</PSTIME><PETIME>1729000030</PETIME>` +
    `<RSTIME>1729000030</RSTIME><RETIME>0</RETIME><ESTIME>0</ESTIME><EETIME>0</EETIME><ACTION>0</ACTION>` +
    `<UID>-1</UID><GID>-1</GID><REQUEST_ID>-1</REQUEST_ID></HISTORY></HISTORY_RECORDS></VM>`
  );
}

function measure(label: string, megabytes: number, run: () => unknown): void {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = run();
    // Reading one character forces V8 to flatten a rope, so that cost is counted.
    if (typeof result === "string") result.charCodeAt(result.length >> 1);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const rate = megabytes / median;
  console.log(
    `${label.padEnd(44)} ${(median * 1000).toFixed(1).padStart(8)} ms ${rate.toFixed(0).padStart(7)} MB/s`,
  );
}

const vmCount = Number(process.argv[2] ?? 10_000);
let pool = "<VM_POOL>";
for (let id = 0; id < vmCount; id++) pool += vmDocument(id);
pool += "</VM_POOL>";
pool.charCodeAt(0);

const escapedPool = escapeXml(pool);
const response = encodeResponse([true, new EscapedString(escapedPool), 0]);
const mb = (text: string) => Buffer.byteLength(text) / 1e6;
const ampersands = escapedPool.split("&").length - 1;
console.log(
  `${vmCount} VMs: pool XML ${mb(pool).toFixed(1)} MB, escaped ${mb(escapedPool).toFixed(1)} MB ` +
    `(${(ampersands / 1e6).toFixed(2)} M entities), response ${mb(response).toFixed(1)} MB; median of ${RUNS} runs`,
);

measure("decodeResponse keepEscaped (response MB)", mb(response), () => decodeResponse(response, { keepEscaped: true }));
measure("unescapeXml (escaped MB)", mb(escapedPool), () => unescapeXml(escapedPool));
measure("decodeResponse full (response MB)", mb(response), () => {
  const decoded = decodeResponse(response);
  if (decoded.fault) throw new Error("unexpected fault");
  const doc = (decoded.value as [boolean, string, number])[1];
  return doc;
});
measure("escapeXml (pool MB)", mb(pool), () => escapeXml(pool));
measure("encodeResponse EscapedString (response MB)", mb(response), () =>
  encodeResponse([true, new EscapedString(escapedPool), 0]),
);
measure("encodeResponse string (response MB)", mb(response), () => encodeResponse([true, pool, 0]));

// XenAPI-style answers are many small values instead of one big string.
const records: Record<string, XmlRpcValue> = {};
for (let i = 0; i < 20_000; i++) {
  records[`OpaqueRef:${i.toString(16).padStart(8, "0")}-5c6d-4e7f-8a9b`] = {
    uuid: `4c4f${i}-aaaa-bbbb-cccc-dddddddddddd`,
    name_label: `web-${i}`,
    power_state: "Running",
    VCPUs_max: 2,
    memory_static_max: 2 ** 33,
    is_a_template: false,
    other_config: { hyperplan: `lab/web-${i}`, note: "a & b" },
    tags: ["web", "prod"],
  };
}
const recordsXml = encodeResponse({ Status: "Success", Value: records });
measure("decodeResponse 20,000 structs (response MB)", mb(recordsXml), () => decodeResponse(recordsXml));
measure("encodeResponse 20,000 structs (response MB)", mb(recordsXml), () =>
  encodeResponse({ Status: "Success", Value: records }),
);

const check = decodeResponse(response);
if (check.fault || (check.value as unknown[])[1] !== pool) throw new Error("round trip failed");
