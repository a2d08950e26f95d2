import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OneClient, OneApiError, parseObject } from "../../../src/providers/opennebula/index";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";

const KINDS = [
  { object: "image", kind: "image", allocate: (c: OneClient, name: string) => c.call("one.image.allocate", `NAME = "${name}"\nTYPE = "DATABLOCK"\nSIZE = "8"`, 1) },
  { object: "vn", kind: "vnet", allocate: (c: OneClient, name: string) => c.call("one.vn.allocate", `NAME = "${name}"\nVN_MAD = "bridge"`, -1) },
  { object: "secgroup", kind: "secgroup", allocate: (c: OneClient, name: string) => c.call("one.secgroup.allocate", `NAME = "${name}"`) },
  { object: "template", kind: "template", allocate: (c: OneClient, name: string) => c.call("one.template.allocate", `NAME = "${name}"\nCPU = "1"\nMEMORY = "64"`) },
] as const;

const NAMES: Record<string, string> = { image: "image", vn: "virtual network", secgroup: "security group", template: "virtual machine template" };

describe("chmod and chown of every owned kind", () => {
  let sim: RunningOneSimulator;
  let client: OneClient;
  beforeAll(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it.each(KINDS)("$object: chmod and chown change the permissions and the owner", async ({ object, kind, allocate }) => {
    const id = (await allocate(client, `perm-${object}`)) as number;
    await client.call(`one.${object}.chmod`, id, 1, 1, 1, 1, -1, -1, -1, -1, -1);
    await client.call(`one.${object}.chown`, id, 1, 1);
    const record = parseObject(kind, (await client.call(`one.${object}.info`, id)) as string);
    expect([record.uid, record.gid, record.permissions?.groupU, record.permissions?.ownerA]).toEqual([1, 1, 1, 1]);
    const error = (await client.call(`one.${object}.chown`, id, 42, -1).catch((e: unknown) => e)) as OneApiError;
    expect(error.serverMessage).toBe(`[one.${object}.chown] Error getting user [42].`);
  });

  it.each(KINDS.map((k) => ({ ...k })))("$object: chown refuses to give an owner a second object of one name", async ({ object, allocate }) => {
    const first = (await allocate(client, `twin-${object}`)) as number;
    await client.call(`one.${object}.chown`, first, 1, -1);
    const second = (await allocate(client, `twin-${object}`)) as number;
    const error = (await client.call(`one.${object}.chown`, second, 1, -1).catch((e: unknown) => e)) as OneApiError;
    expect(error).toBeInstanceOf(OneApiError);
    // `SharedAPI::check_name_unique`: INTERNAL "user [<uid>] already owns <object> [<id>] with NAME <name>".
    expect(error.serverMessage).toBe(`[one.${object}.chown] user [1] already owns ${NAMES[object]} [${first}] with NAME twin-${object}`);
    expect(error.errorCode).toBe(0x2000);
  });
});
