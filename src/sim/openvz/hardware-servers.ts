/**
 * `api/hardware_servers` (the seed's "Physical Servers"; owp app/controllers/api/
 * hardware_servers_controller.rb) and `api/tasks` (FACTS §3.5). Both are for superadmins only.
 * `connect`, `update` and `disconnect` are not simulated: the world's two hardware servers are
 * fixed (SPEC.md).
 */
import type { Controller } from "./panel.js";
import { hardwareServersXml, hardwareServerXml, osTemplatesXml, resultXml, serverTemplatesXml, tasksXml, virtualServersXml } from "./views.js";

export const hardwareServersController: Controller = {
  // before_filter :superadmin_required (every action).
  before: (ctx) => ctx.panel.requireSuperadmin(ctx.user),
  reads: new Set(["list", "get", "virtual_servers", "os_templates", "server_templates"]),
  actions: {
    list: ({ panel }) => hardwareServersXml([...panel.world.hardwareServers.values()].sort((a, b) => a.id - b.id)),
    get: (ctx) => hardwareServerXml(ctx.panel.hardwareServerParam(ctx)),
    virtual_servers: (ctx) => {
      const hw = ctx.panel.hardwareServerParam(ctx);
      return virtualServersXml(ctx.panel.world.virtualServerList().filter((vs) => vs.hardware_server_id === hw.id));
    },
    os_templates: (ctx) => osTemplatesXml(ctx.panel.world.osTemplatesOf(ctx.panel.hardwareServerParam(ctx).id)),
    server_templates: (ctx) => serverTemplatesXml(ctx.panel.world.serverTemplatesOf(ctx.panel.hardwareServerParam(ctx).id)),
    /**
     * Reads the node's containers back into the panel (`sync_virtual_servers`): each record's
     * `state` becomes what vzlist says. It runs on the node's daemon, so it waits its turn there.
     */
    sync: async (ctx) => {
      const { world } = ctx.panel;
      const hw = ctx.panel.hardwareServerParam(ctx);
      return world.exclusive(hw.id, async () => {
        await world.sleep(world.duration(world.delays.syncMs));
        for (const vs of world.virtualServerList()) {
          if (vs.hardware_server_id !== hw.id) continue;
          const state = vs.running ? "running" : "stopped";
          if (vs.state !== state) {
            vs.state = state;
            world.changed();
          }
        }
        return resultXml(true);
      });
    },
  },
};

/** How many rows tasks/list answers at most (FACTS §3.5: the last 100). */
export const TASK_LIST_LIMIT = 100;

export const tasksController: Controller = {
  // `can_view_tasks?`: a permission of the user's role; here superadmins only (SPEC.md).
  before: (ctx) => ctx.panel.requireSuperadmin(ctx.user),
  reads: new Set(["list"]),
  actions: {
    list: ({ panel }) => tasksXml([...panel.world.tasks].sort((a, b) => b.id - a.id).slice(0, TASK_LIST_LIMIT)),
  },
};
