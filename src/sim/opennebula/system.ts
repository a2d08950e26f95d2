/**
 * one.system.version and one.system.config (`RequestManagerSystem`): the version of oned the
 * simulator follows (7.4.0, the release FACTS.md was read from) and the oned.conf values that
 * change what a client observes, in opennebula_configuration.xsd order.
 */
import { reader, type MethodTable } from "./context.js";
import { cdata, escapedDoc } from "./xml.js";

export const ONED_VERSION = "7.4.0";

const CONFIG: [string, string | Record<string, string>][] = [
  ["API_LIST_ORDER", "ASC"],
  ["CONTEXT_ALLOW_ETH_UPDATES", "NO"],
  ["DATASTORE_CAPACITY_CHECK", "yes"],
  ["DATASTORE_LOCATION", "/var/lib/one//datastores"],
  ["DEFAULT_DEVICE_PREFIX", "hd"],
  ["DEFAULT_IMAGE_TYPE", "OS"],
  ["DEFAULT_UMASK", "177"],
  ["ENABLE_OTHER_PERMISSIONS", "YES"],
  ["INHERIT_VNET_ATTR", "VLAN_TAGGED_ID"],
  ["INHERIT_VNET_ATTR", "FILTER_IP_SPOOFING"],
  ["INHERIT_VNET_ATTR", "FILTER_MAC_SPOOFING"],
  ["INHERIT_VNET_ATTR", "MTU"],
  ["KEEPALIVE_MAX_CONN", "30"],
  ["KEEPALIVE_TIMEOUT", "15"],
  ["LISTEN_ADDRESS", "0.0.0.0"],
  ["MAC_PREFIX", "02:00"],
  ["MANAGER_TIMER", "15"],
  ["MAX_CONN", "15"],
  ["MAX_CONN_BACKLOG", "15"],
  ["PORT", "2633"],
  ["TIMEOUT", "15"],
  ["VM_SUBMIT_ON_HOLD", "NO"],
  ["VNC_PORTS", { RESERVED: "32768:65536", START: "5900" }],
];

function configXml(): string {
  let out = "<OPENNEBULA_CONFIGURATION>";
  for (const [name, value] of CONFIG) {
    if (typeof value === "string") out += `<${name}>${cdata(value)}</${name}>`;
    else out += `<${name}>${Object.entries(value).map(([k, v]) => `<${k}>${cdata(v)}</${k}>`).join("")}</${name}>`;
  }
  return `${out}</OPENNEBULA_CONFIGURATION>`;
}

export const systemMethods: MethodTable = {
  "one.system.version": reader(() => ONED_VERSION),
  "one.system.config": reader(() => escapedDoc(configXml())),
};
