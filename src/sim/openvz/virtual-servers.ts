/**
 * `api/virtual_servers` (the seed's "Virtual Servers"; FACTS §3.3, §3.4; owp
 * app/controllers/api/virtual_servers_controller.rb and app/models/virtual_server.rb). Every call
 * is synchronous: one that runs vzctl waits for its hardware server's earlier vzctl work, then
 * holds its answer for its step's duration. Validation is answered at once and checked again once
 * the node is free (a create queued behind another may find its identity or address taken).
 */
import { freeIps } from "./addresses.js";
import { internalError, nilMethodError, objectNotFound, PanelError, VzctlFailure } from "./failure.js";
import type { VzctlAction } from "./faults.js";
import type { ActionContext, Controller } from "./panel.js";
import { columnsOf, defaultColumns, type HardwareServer, type TemplateLimits, type VirtualServer } from "./records.js";
import { isBlank, shellEscape } from "./typecast.js";
import { invalidXml, resultXml, savedXml, virtualServersXml, virtualServerXml } from "./views.js";
import { createCommand, runCommands, setCommands, type VzctlCommand } from "./vzctl.js";
import { assignParams, changed, validateDraft, type Draft, type ValidationErrors } from "./validation.js";
import type { World } from "./world.js";

export const virtualServersController: Controller = {
  // before_filter :superadmin_required, :only => [ :delete, :create, :update, :get_by_host ]
  before: (ctx, action) => {
    if (action === "create" || action === "update" || action === "delete" || action === "get_by_host") ctx.panel.requireSuperadmin(ctx.user);
  },
  reads: new Set(["get", "get_by_host", "own_servers"]),
  actions: {
    get: (ctx) => virtualServerXml(ctx.panel.controlledServer(ctx)),
    // `find_by_host_name(params[:host])`: the first by id; no `host` parameter finds a server without a host name.
    get_by_host: (ctx) => {
      const host = ctx.params.get("host") ?? null;
      const vs = ctx.panel.world.virtualServerList().find((v) => v.host_name === host);
      if (!vs) throw objectNotFound();
      return virtualServerXml(vs);
    },
    // `@current_user.virtual_servers`: the servers whose user_id is the caller's, a superadmin's too.
    own_servers: (ctx) => virtualServersXml(ctx.panel.world.virtualServerList().filter((vs) => vs.user_id === ctx.user.id)),
    create,
    update,
    delete: remove,
    start: (ctx) => power(ctx, "start"),
    stop: (ctx) => power(ctx, "stop"),
    restart: (ctx) => power(ctx, "restart"),
    reinstall,
  },
};

/** The hardware server a record lives on; a record whose node is gone fails as the model's `hardware_server.rpc_client` would. */
function nodeOf(world: World, vs: { hardware_server_id: number | null }): HardwareServer {
  const hw = world.hardwareServer(vs.hardware_server_id);
  if (!hw) throw nilMethodError("rpc_client");
  return hw;
}

/** A vzctl failure raised out of a call: the panel's `rescue_action` answers it as internal_error with its message. */
function asInternal(error: unknown): never {
  if (error instanceof VzctlFailure) throw internalError(error.message);
  throw error;
}

function templateLimits(world: World, name: string | undefined): TemplateLimits | null {
  // `ServerTemplate.find_by_name(params[:orig_server_template])`: by name alone, whichever node's comes first.
  const template = name === undefined ? undefined : [...world.serverTemplates].sort((a, b) => a.id - b.id).find((t) => t.name === name);
  return template ? { ...template.limits } : null;
}

// ---------------------------------------------------------------- create

interface Prepared {
  draft: Draft;
  errors: ValidationErrors;
}

/** `VirtualServer.new(template_params)`, `attributes = params`, `valid?`. */
function prepareCreate(ctx: ActionContext): Prepared {
  const { world, descriptions } = ctx.panel;
  const columns = defaultColumns();
  const limits = templateLimits(world, ctx.params.get("orig_server_template"));
  if (limits) Object.assign(columns, limits);
  const draft: Draft = { was: defaultColumns(), columns };
  assignParams(draft, ctx.params);
  return { draft, errors: validateDraft(world, draft, null, descriptions) };
}

async function create(ctx: ActionContext): Promise<string> {
  const { world, descriptions } = ctx.panel;
  const first = prepareCreate(ctx);
  if (first.errors.length > 0) return invalidXml(first.errors);
  const hw = nodeOf(world, first.draft.columns);
  return world.exclusive(hw.id, async () => {
    const { draft, errors } = prepareCreate(ctx);
    if (errors.length > 0) return invalidXml(errors);
    const c = draft.columns;
    // Blank identity: one more than the largest on that hardware server.
    const identity = c.identity ?? Math.max(0, ...world.virtualServerList().filter((v) => v.hardware_server_id === hw.id).map((v) => v.identity ?? 0)) + 1;
    await world.sleep(world.duration(world.delays.createMs));
    try {
      runCommands(world, hw, [createCommand(world, hw, identity, c.orig_os_template, c.orig_server_template)], world.faults.vzctlFailure("create", c.host_name));
    } catch (error) {
      asInternal(error);
    }
    c.identity = identity;
    c.state = "stopped";
    if (c.ip_address === "auto") c.ip_address = freeIps(hw.id, world.ipPools, world.virtualServers.values())[0] ?? "";
    try {
      runCommands(world, hw, setCommands(world, hw, identity, draft, descriptions), null);
    } catch (error) {
      // A vzctl failure after the container was made: delete_physically, then re-raise (no half-made container stays).
      world.logVzctl(hw.id, `vzctl destroy ${identity}`, 0);
      asInternal(error);
    }
    const vs: VirtualServer = { id: world.nextVirtualServerId(), ...c, running: false, rootPasswordDigest: rootPassword(world, draft) };
    // `start if start_after_creation and is_new`: any value sent is a Ruby string, so true ("0" too).
    if (draft.startAfterCreation !== undefined) await changeState(world, hw, vs, "start");
    world.virtualServers.set(vs.id, vs);
    world.changed();
    return savedXml(vs.id);
  });
}

function rootPassword(world: World, draft: Draft, current: string | null = null): string | null {
  return draft.password !== undefined && !isBlank(draft.password) ? world.passwordDigest(draft.password) : current;
}

// ---------------------------------------------------------------- update

interface PreparedUpdate extends Prepared {
  commands: VzctlCommand[];
}

function prepareUpdate(ctx: ActionContext, vs: VirtualServer): PreparedUpdate {
  const { world, descriptions } = ctx.panel;
  const draft: Draft = { was: columnsOf(vs), columns: columnsOf(vs) };
  assignParams(draft, ctx.params);
  // The panel would run vzctl set on another container and keep the row; the simulator does not move containers (SPEC.md).
  if (changed(draft, "identity") || changed(draft, "hardware_server_id")) {
    throw internalError("the simulator cannot change the identity or hardware_server_id of an existing virtual server");
  }
  const errors = validateDraft(world, draft, vs.id, descriptions);
  const commands = errors.length > 0 ? [] : setCommands(world, nodeOf(world, vs), vs.identity ?? 0, draft, descriptions);
  return { draft, errors, commands };
}

/** The row saved: a blank host name, nameserver or search domain keeps the old value (the model restores them on update). */
function applyUpdate(world: World, vs: VirtualServer, draft: Draft): void {
  const c = draft.columns;
  if (isBlank(c.host_name)) c.host_name = draft.was.host_name;
  if (isBlank(c.nameserver)) c.nameserver = draft.was.nameserver;
  if (isBlank(c.search_domain)) c.search_domain = draft.was.search_domain;
  Object.assign(vs, c);
  vs.rootPasswordDigest = rootPassword(world, draft, vs.rootPasswordDigest);
  world.changed();
}

async function update(ctx: ActionContext): Promise<string> {
  const { world } = ctx.panel;
  const vs = ctx.panel.controlledServer(ctx);
  const first = prepareUpdate(ctx, vs);
  if (first.errors.length > 0) return invalidXml(first.errors);
  // An update that needs no vzctl call only saves the row.
  if (first.commands.length === 0) {
    applyUpdate(world, vs, first.draft);
    return savedXml(vs.id);
  }
  return world.exclusive(nodeOf(world, vs).id, async () => {
    const current = world.virtualServers.get(vs.id);
    if (!current) throw objectNotFound();
    const { draft, errors, commands } = prepareUpdate(ctx, current);
    if (errors.length > 0) return invalidXml(errors);
    if (commands.length > 0) {
      await world.sleep(world.duration(world.delays.updateMs));
      const host = isBlank(draft.columns.host_name) ? current.host_name : draft.columns.host_name;
      try {
        runCommands(world, nodeOf(world, current), commands, world.faults.vzctlFailure("update", host));
      } catch (error) {
        asInternal(error);
      }
    }
    applyUpdate(world, current, draft);
    return savedXml(current.id);
  });
}

// ---------------------------------------------------------------- delete

async function remove(ctx: ActionContext): Promise<string> {
  const { world } = ctx.panel;
  const vs = ctx.panel.controlledServer(ctx);
  const hw = nodeOf(world, vs);
  return world.exclusive(hw.id, async () => {
    const current = world.virtualServers.get(vs.id);
    if (!current) throw objectNotFound();
    await world.sleep(world.duration(world.delays.deleteMs));
    const destroy = { args: `destroy ${current.identity ?? ""}` };
    const injected = world.faults.vzctlFailure("delete", current.host_name);
    // delete_physically: stop, vzctl destroy, the row removed. An injected failure hits destroy before anything changes.
    if (!injected && current.running) world.logVzctl(hw.id, `vzctl stop ${current.identity ?? ""}`, 0);
    try {
      runCommands(world, hw, [destroy], injected);
    } catch (error) {
      asInternal(error);
    }
    world.virtualServers.delete(current.id);
    world.changed();
    return resultXml(true);
  });
}

// ---------------------------------------------------------------- start, stop, restart

/**
 * `change_state`: vzctl start|stop|restart; on success the row's state becomes running or
 * stopped and true is answered; a failing vzctl is logged and answered false, nothing changed.
 */
async function changeState(world: World, hw: HardwareServer, vs: VirtualServer, action: "start" | "stop" | "restart"): Promise<boolean> {
  const key = action === "start" ? "startMs" : action === "stop" ? "stopMs" : "restartMs";
  await world.sleep(world.duration(world.delays[key]));
  const injected = world.faults.vzctlFailure(action satisfies VzctlAction, vs.host_name);
  world.logVzctl(hw.id, `vzctl ${action} ${shellEscape(String(vs.identity ?? ""))}`, injected ? injected.code : 0);
  if (injected) return false;
  vs.running = action !== "stop";
  vs.state = vs.running ? "running" : "stopped";
  world.changed();
  return true;
}

/** `real_state`: the watchdog's view of the container, copied into the row when it differs. */
function realState(world: World, vs: VirtualServer): "running" | "stopped" {
  const state = vs.running ? "running" : "stopped";
  if (vs.state !== state) {
    vs.state = state;
    world.changed();
  }
  return state;
}

async function power(ctx: ActionContext, action: "start" | "stop" | "restart"): Promise<string> {
  const { world } = ctx.panel;
  const vs = ctx.panel.controlledServer(ctx);
  const nothingToDo = (v: VirtualServer) => (action === "start" && realState(world, v) === "running") || (action === "stop" && realState(world, v) === "stopped");
  // start when running, stop when stopped: true at once, no vzctl.
  if (nothingToDo(vs)) return resultXml(true);
  const hw = nodeOf(world, vs);
  return world.exclusive(hw.id, async () => {
    const current = world.virtualServers.get(vs.id);
    // Deleted while this call waited: vzctl finds no container, change_state answers false.
    if (!current) return resultXml(false);
    if (nothingToDo(current)) return resultXml(true);
    return resultXml(await changeState(world, hw, current, action));
  });
}

// ---------------------------------------------------------------- reinstall

/**
 * `reinstall?id&password[&orig_os_template]` (FACTS §3.3; the model's `reinstall`): stop, vzctl
 * destroy, vzctl create with the same identity from a copy of the container's config (keeping its
 * settings, addresses and identity), optionally from another OS template, the root password set,
 * started again when it was running. Without a password the panel's `error_occured` reason is
 * answered, which shows as unknown_error (FACTS §3.2).
 */
async function reinstall(ctx: ActionContext): Promise<string> {
  const { world } = ctx.panel;
  const vs = ctx.panel.controlledServer(ctx);
  const password = ctx.params.get("password");
  if (password === undefined || isBlank(password)) throw new PanelError("error_occured");
  const osTemplate = ctx.params.get("orig_os_template");
  const hw = nodeOf(world, vs);
  return world.exclusive(hw.id, async () => {
    const current = world.virtualServers.get(vs.id);
    if (!current) throw objectNotFound();
    await world.sleep(world.duration(world.delays.reinstallMs));
    const id = shellEscape(String(current.identity ?? ""));
    const newOs = osTemplate !== undefined && osTemplate !== current.orig_os_template ? osTemplate : null;
    const injected = world.faults.vzctlFailure("reinstall", current.host_name);
    const createArgs = `create ${id} ${newOs !== null ? ` --ostemplate ${shellEscape(newOs)} ` : ""} --config tmp.template`;
    try {
      // An injected failure hits destroy; a template the node lacks fails create. Either way nothing changes (SPEC.md).
      if (injected) runCommands(world, hw, [{ args: `destroy ${id}` }], injected);
      if (newOs !== null && !world.osTemplatesOf(hw.id).some((t) => t.name === newOs)) {
        runCommands(world, hw, [{ args: createArgs, fails: { code: 91, output: `Cached OS template /vz/template/cache/${newOs}.tar.gz not found` } }], null);
      }
    } catch (error) {
      asInternal(error);
    }
    const wasRunning = current.running;
    const commands: VzctlCommand[] = [...(wasRunning ? [{ args: `stop ${id}` }] : []), { args: `destroy ${id}` }, { args: createArgs }, { args: `set ${id} --userpasswd root:******` }, ...(wasRunning ? [{ args: `start ${id}` }] : [])];
    runCommands(world, hw, commands, null);
    if (newOs !== null) current.orig_os_template = newOs;
    current.rootPasswordDigest = world.passwordDigest(password);
    current.running = wasRunning;
    current.state = wasRunning ? "running" : "stopped";
    world.changed();
    return resultXml(true);
  });
}

