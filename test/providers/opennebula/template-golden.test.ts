/**
 * Realistic templates, written the way people write them (comments, lower case, odd spacing),
 * parsed, written back and printed as oned prints them; each output is compared with
 * `__golden__/template/<case>/` (rewrite with UPDATE_GOLDEN=1).
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseTemplate, serializeTemplate, templateToXml, type Template } from "../../../src/providers/opennebula/template-syntax";
import { expectGolden } from "../../resources/golden";

const ROOT = fileURLToPath(new URL(".", import.meta.url));

const CASES: Record<string, string> = {
  "vm-full": `# web server, one disk from an image, one volatile disk
NAME   = "web-1"
CPU    = 0.5
VCPU   = 2
MEMORY = 1024

DISK = [ IMAGE_ID = "7", SIZE = "20480", TARGET = "vda" ]
DISK = [
  TYPE   = "fs",
  SIZE   = 4096,
  FORMAT = "raw" ]

NIC = [ NETWORK_ID = "0", MODEL = "virtio", SECURITY_GROUPS = "0,100" ]

CONTEXT = [
  NETWORK        = "YES",
  SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]",
  START_SCRIPT   = "#!/bin/sh
echo \\"hello from \\$(hostname)\\" > /etc/motd
sed -i 's/a\\\\b/c/' /etc/hosts
",
  hyperplan_stack = "lab" ]

graphics = [ TYPE = "vnc", LISTEN = "0.0.0.0", PASSWD = "p\\"w" ]
OS       = [ ARCH = "x86_64", BOOT = "disk0" ]
HYPERPLAN_ADDRESS = "lab/web-1"
`,
  image: `NAME        = "ubuntu-24.04"
PATH        = "https://images.example.org/noble-server-cloudimg-amd64.img"
TYPE        = OS
PERSISTENT  = NO
DESCRIPTION = "Ubuntu 24.04 \\"Noble\\" cloud image, C:\\\\ not involved"
DEV_PREFIX  = vd
`,
  "vnet-ar": `NAME    = "lan"
VN_MAD  = "bridge"
BRIDGE  = br0
AR = [ TYPE = "IP4", IP = "10.0.0.10", SIZE = "100" ]
AR = [ TYPE = "ETHER", SIZE = 16, MAC = "02:00:0a:00:00:01" ]
DNS     = "10.0.0.1 10.0.0.2"
GATEWAY = "10.0.0.1"
NETWORK_MASK = 255.255.255.0
`,
};

function json(template: Template): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}

describe("golden templates", () => {
  for (const [name, source] of Object.entries(CASES)) {
    it(`parses, writes and prints the ${name} template`, () => {
      const parsed = parseTemplate(source);
      const written = serializeTemplate(parsed);
      const printed = templateToXml(parsed);
      expectGolden(ROOT, `template/${name}`, {
        "parsed.json": json(parsed),
        "serialized.txt": written,
        "oned.xml": `${printed}\n`,
      });
      expect(parseTemplate(written)).toEqual(parsed);
      const byName = [...parsed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      expect(parseTemplate(printed)).toEqual(byName);
    });
  }
});
