/**
 * The panel's API controllers as routes reach them (FACTS §3.1; owp config/routes.rb
 * `:controller/:action` under `api/`): who may log in (`User.authenticate`, enabled users only),
 * each controller's before filters
 * (superadmin only, the server looked up by `id`) run before the action as Rails runs them (so a
 * user who is not superadmin is refused an unknown action of hardware_servers before it is found
 * unknown), `index` listing the actions, an unknown action or controller answered as internal_error.
 */
import { accessDenied, internalError, objectNotFound } from "./failure.js";
import { hardwareServersController, tasksController } from "./hardware-servers.js";
import { isSuperadmin, type HardwareServer, type User, type VirtualServer } from "./records.js";
import { usersController } from "./users.js";
import { methodsXml } from "./views.js";
import { virtualServersController } from "./virtual-servers.js";
import { World } from "./world.js";

/** A panel user who called: superadmin (role 1) may do everything; others control only their own servers. */
export type PanelUser = User;

/** Request parameters by name (the query string over a form body, the last of a repeated name). */
export type Params = ReadonlyMap<string, string>;

export interface ActionContext {
  panel: Panel;
  user: PanelUser;
  params: Params;
}

export type Action = (ctx: ActionContext) => Promise<string> | string;

export interface Controller {
  actions: Readonly<Record<string, Action>>;
  /** The before filters every action of the controller passes (its index and unknown actions included). */
  before?(ctx: ActionContext, action: string): void;
  /** Actions that change nothing (the state file is not rewritten after them). */
  reads: ReadonlySet<string>;
}

export class Panel {
  readonly controllers: Readonly<Record<string, Controller>>;

  constructor(
    readonly world: World,
    /** The panel's `save_descriptions` setting (`AppConfig.vzctl.save_descriptions`). */
    readonly descriptions: boolean,
  ) {
    this.controllers = { hardware_servers: hardwareServersController, virtual_servers: virtualServersController, tasks: tasksController, users: usersController };
  }

  /**
   * `User.authenticate`: nobody for a blank login or password; the login compared lower-cased
   * (`find_by_login(login.downcase)`), the password against its digest. Then `logged_in?`: only
   * an enabled user is let in (a disabled one is refused as bad credentials are).
   */
  authenticate(login: string, password: string): PanelUser | null {
    if (!/\S/.test(login) || !/\S/.test(password)) return null;
    const user = this.world.userByLogin(login);
    if (!user || !World.digestMatches(user.passwordDigest, password)) return null;
    return user.enabled === true ? user : null;
  }

  /** Whether `controller`/`action` only reads. */
  isRead(controller: string, action: string): boolean {
    if (action === "index") return true;
    return this.controllers[controller]?.reads.has(action) ?? true;
  }

  /** Serves one call; a refusal throws a PanelError, a vzctl failure its VzctlFailure. */
  async call(controller: string, action: string, user: PanelUser, params: Params, path: string, httpMethod: string): Promise<string> {
    const spec = Object.hasOwn(this.controllers, controller) ? this.controllers[controller] : undefined;
    // Rails answers a path no route matches with a RoutingError.
    if (!spec) throw internalError(`No route matches "${path}" with {:method=>:${httpMethod.toLowerCase()}}`);
    const ctx: ActionContext = { panel: this, user, params };
    spec.before?.(ctx, action);
    if (action === "index") return methodsXml(Object.keys(spec.actions).sort());
    const run = Object.hasOwn(spec.actions, action) ? spec.actions[action] : undefined;
    if (!run) {
      const actions = [...Object.keys(spec.actions), "index"].sort();
      throw internalError(`No action responded to ${action}. Actions: ${toSentence(actions)}`);
    }
    return run(ctx);
  }

  // ---------------------------------------------------------------- helpers the controllers share

  /** `superadmin_required`. */
  requireSuperadmin(user: PanelUser): void {
    if (!isSuperadmin(user)) throw accessDenied();
  }

  /** `can_control`: a superadmin every server, another user those whose `user_id` is theirs. */
  canControl(user: PanelUser, vs: VirtualServer): boolean {
    return isSuperadmin(user) || vs.user_id === user.id;
  }

  /** `set_server_by_id`: object_not_found for an unknown id or a server the user may not control. */
  controlledServer(ctx: ActionContext): VirtualServer {
    const id = recordId(ctx.params.get("id"));
    const vs = id === null ? undefined : this.world.virtualServers.get(id);
    if (!vs || !this.canControl(ctx.user, vs)) throw objectNotFound();
    return vs;
  }

  /** users' `set_user_by_id`: `User.find_by_id(params[:id])`, else object_not_found. */
  userParam(ctx: ActionContext): User {
    const id = recordId(ctx.params.get("id"));
    const user = id === null ? undefined : this.world.users.get(id);
    if (!user) throw objectNotFound();
    return user;
  }

  /** hardware_servers' `set_server_by_id`. */
  hardwareServerParam(ctx: ActionContext): HardwareServer {
    const id = recordId(ctx.params.get("id"));
    const hw = id === null ? undefined : this.world.hardwareServers.get(id);
    if (!hw) throw objectNotFound();
    return hw;
  }
}

/**
 * `find_by_id(params[:id])` against the panel's default SQLite database: the parameter matches an
 * integer id when it reads as that number (`"5"`, `" 5 "`, `"5.0"`); text like `"5abc"` or no
 * parameter matches nothing.
 */
export function recordId(param: string | undefined): number | null {
  if (param === undefined) return null;
  const m = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(param);
  return m ? Number(m[1]) : null;
}

/** ActiveSupport's `Array#to_sentence` (English): `a`, `a and b`, `a, b, and c`. */
export function toSentence(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  if (words.length === 2) return `${words[0]} and ${words[1]}`;
  return `${words.slice(0, -1).join(", ")}, and ${words[words.length - 1]}`;
}

