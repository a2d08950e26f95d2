/**
 * A two-tier web application: a load balancer in front, app servers behind it, and a database VM
 * whose data lives on a persistent disk that survives the VM being replaced.
 *
 *   hyperplan synth examples/stacks/web-app.ts
 */
import { App, Construct, Image, SecurityGroup, Stack, StackOutput, VirtualMachine, VirtualNetwork, VmTemplate } from "hyperplan";

const APP_SERVERS = 3;
const DEPLOY_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMv4aJ9kQw2Zr7tLp1xN3bS8cY6dE0fG5hU2iK7oP9qR deploy@ci";

const app = new App();
const shop = new Stack(app, "shop", { description: "Shop: load balancer, app tier, database" });

const front = new VirtualNetwork(shop, "shop-front", {
  description: "Public-facing network of the load balancer",
  bridge: "br-public",
  addressRanges: [{ type: "ipv4", start: "192.0.2.10", size: 4 }],
  networkAddress: "192.0.2.0",
  networkMask: "255.255.255.0",
  gateway: "192.0.2.1",
  dns: ["192.0.2.1"],
});
const back = new VirtualNetwork(shop, "shop-back", {
  description: "Private network between the tiers",
  driver: "vxlan",
  physicalDevice: "eth1",
  vlanId: 4242,
  mtu: 1450,
  addressRanges: [{ type: "ipv4", start: "10.42.0.10", size: 100 }],
  networkAddress: "10.42.0.0",
  networkMask: "255.255.255.0",
});

const os = new Image(shop, "shop-os", { path: "https://images.example.net/alma-9-cloud.qcow2", format: "qcow2" });
const pgdata = new Image(shop, "shop-pgdata", {
  description: "PostgreSQL data directory",
  type: "datablock",
  size: 100 * 1024,
  persistent: true,
});

const lbSg = new SecurityGroup(shop, "shop-lb-sg", {
  rules: [
    { protocol: "tcp", direction: "inbound", ports: [80, 443] },
    { protocol: "all", direction: "outbound" },
  ],
});
const appSg = new SecurityGroup(shop, "shop-app-sg", {
  rules: [
    { protocol: "tcp", direction: "inbound", ports: [8080], network: back },
    { protocol: "all", direction: "outbound" },
  ],
});
const dbSg = new SecurityGroup(shop, "shop-db-sg", {
  rules: [
    { protocol: "tcp", direction: "inbound", ports: [5432], addressRange: { start: "10.42.0.10", size: 100 } },
    { protocol: "all", direction: "outbound" },
  ],
});

const context = { sshKeys: [DEPLOY_KEY] };

// The database: fixed address, persistent data disk, never powered off by a rebuild of the app tier.
const data = new Construct(shop, "data");
const db = new VirtualMachine(data, "db", {
  cpu: 2,
  vcpu: 4,
  memory: 16384,
  disks: [{ image: os, size: 20 * 1024 }, { image: pgdata, target: "vdb" }],
  nics: [{ network: back, ip: "10.42.0.10", securityGroups: [dbSg] }],
  context: {
    ...context,
    hostname: "db",
    // From the environment of whoever runs plan/apply; masked in every plan and in synth output.
    ...(process.env.SHOP_DB_PASSWORD ? { secretVars: { POSTGRES_PASSWORD: process.env.SHOP_DB_PASSWORD } } : {}),
  },
  labels: ["shop", "shop/db"],
});

const appTemplate = new VmTemplate(shop, "shop-app", {
  cpu: 1,
  vcpu: 2,
  memory: 4096,
  disks: [{ image: os, size: 20 * 1024 }],
  nics: [{ network: back, securityGroups: [appSg] }],
  context,
});

// The app servers learn the database address from their context; that makes them depend on it.
const tier = new Construct(shop, "app");
const servers = Array.from(
  { length: APP_SERVERS },
  (_, i) =>
    new VirtualMachine(tier, `app-${i + 1}`, {
      template: appTemplate,
      labels: ["shop", "shop/app"],
      context: { ...context, vars: { DB_HOST: db.ipAddress, APP_INDEX: String(i + 1) } },
    }),
);

const lb = new VirtualMachine(shop, "lb", {
  cpu: 0.5,
  vcpu: 1,
  memory: 1024,
  disks: [{ image: os, size: 10 * 1024 }],
  nics: [
    { network: front, ip: "192.0.2.10", securityGroups: [lbSg] },
    { network: back, securityGroups: [appSg] },
  ],
  context: { ...context, hostname: "lb", vars: { BACKENDS: String(APP_SERVERS) } },
  labels: ["shop", "shop/lb"],
  // The balancer starts once every app server exists.
  dependsOn: [tier],
});

new StackOutput(shop, "public-ip", { value: "192.0.2.10", description: "Where the shop's DNS record points" });
new StackOutput(shop, "lb-id", { value: lb.objectId });
new StackOutput(shop, "first-app-ip", { value: servers[0]!.ipAddress });

export default app;
