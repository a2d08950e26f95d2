/**
 * Writes a DesiredState into an OpenNebula cloud the way apply does — the same templates, tags in the
 * allocate call, references as the ids of objects written before — without waiting for lifecycles.
 * Tests use it to make a cloud that "apply already made", then change it by hand and plan.
 */
import type { AttributeRef, DesiredResource, DesiredState, ImageSpec, SecurityGroupSpec, VirtualMachineSpec, VirtualNetworkSpec, VmTemplateSpec } from "../../src/resources/desired-state";
import type { OneClient } from "../../src/providers/opennebula/client";
import { imageToTemplate } from "../../src/providers/opennebula/map-image";
import { networkToTemplate } from "../../src/providers/opennebula/map-virtual-network";
import { securityGroupToTemplate } from "../../src/providers/opennebula/map-security-group";
import { vmTemplateToTemplate } from "../../src/providers/opennebula/map-vm-template";
import { vmToTemplate } from "../../src/providers/opennebula/map-virtual-machine";
import { serializeTemplate, templateVectors } from "../../src/providers/opennebula/template-syntax";
import { parseObject } from "../../src/providers/opennebula/records";
import { Graph } from "../../src/graph";

/** `hold`: the VMs to make in HOLD (oned's allocate and instantiate `hold` flag), by address. */
export async function writeDesired(client: OneClient, desired: DesiredState, options: { hold?: ReadonlySet<string> } = {}): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const idOf = (address: string) => {
    const id = ids.get(address);
    if (id === undefined) throw new Error(`${address} is not written yet`);
    return id;
  };
  // Values known after apply (another VM's IP) are read from the objects already written.
  const values = new Map<string, string>();
  const resolve = (ref: AttributeRef) => {
    const v = values.get(`${ref.ref}.${ref.attr}`) ?? (ref.attr === "id" ? String(idOf(ref.ref)) : undefined);
    if (v === undefined) throw new Error(`${ref.ref}.${ref.attr} is not known yet`);
    return v;
  };
  const ctx = { idOf, resolve };
  const byAddress = new Map(desired.resources.map((r) => [r.address, r]));
  const graph = new Graph(byAddress.keys());
  for (const r of desired.resources) for (const d of r.dependsOn) if (byAddress.has(d)) graph.addEdge(r.address, d);
  for (const address of graph.topologicalOrder()) {
    const r = byAddress.get(address)! as DesiredResource;
    const tag = { stack: desired.stack, address: r.address, kind: r.kind };
    let id: number;
    switch (r.kind) {
      case "Image": {
        const spec = r.props as ImageSpec;
        const ds = typeof spec.datastore === "number" ? spec.datastore : 1;
        id = (await client.call("one.image.allocate", serializeTemplate(imageToTemplate(r.name, spec, tag)), ds)) as number;
        break;
      }
      case "VirtualNetwork":
        id = (await client.call("one.vn.allocate", serializeTemplate(networkToTemplate(r.name, r.props as VirtualNetworkSpec, tag)), -1)) as number;
        break;
      case "SecurityGroup":
        id = (await client.call("one.secgroup.allocate", serializeTemplate(securityGroupToTemplate(r.name, r.props as SecurityGroupSpec, idOf, tag)))) as number;
        break;
      case "VmTemplate":
        id = (await client.call("one.template.allocate", serializeTemplate(vmTemplateToTemplate(r.name, r.props as VmTemplateSpec, ctx, tag)))) as number;
        break;
      case "VirtualMachine": {
        const spec = r.props as VirtualMachineSpec;
        const template = vmToTemplate(r.name, spec, ctx, tag);
        const hold = options.hold?.has(address) === true;
        id = spec.template
          ? ((await client.call("one.template.instantiate", idOf(spec.template.ref), r.name, hold, serializeTemplate(template.filter((a) => a.name !== "NAME")), false)) as number)
          : ((await client.call("one.vm.allocate", serializeTemplate(template), hold)) as number);
        break;
      }
    }
    ids.set(address, id);
    if (r.kind === "VirtualMachine") {
      const vm = parseObject("vm", (await client.call("one.vm.info", id)) as string);
      const nic = templateVectors(vm.template, "NIC")[0];
      if (nic?.IP) values.set(`${address}.ip`, nic.IP);
      if (nic?.MAC) values.set(`${address}.mac`, nic.MAC);
    }
  }
  return ids;
}
