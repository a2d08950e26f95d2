/**
 * `api/users` (the seed's "Users"; owp app/controllers/api/users_controller.rb and
 * app/models/user.rb): panel users listed, read, created, updated, enabled, disabled and deleted,
 * by superadmins only. create and update mass-assign the `attr_accessible` parameters with the
 * password's confirmation copied from the password (so it always matches), and save through the
 * model's validations: restful_authentication's password checks (declared first, by
 * `include Authentication::ByPassword`), then the model's login and e-mail checks, every failure
 * reported together, grouped by attribute as Rails' `Errors` keeps them. Passwords are kept as
 * salted digests only.
 */
import type { ActionContext, Controller } from "./panel.js";
import type { User, UserColumns } from "./records.js";
import { castBoolean, castInteger, isBlank, rubyDowncase } from "./typecast.js";
import type { ValidationErrors } from "./validation.js";
import { invalidXml, resultXml, savedXml, usersXml, userXml } from "./views.js";
import type { World } from "./world.js";

/** Rails 2.3's default messages (activerecord/lib/active_record/locale/en.yml) and restful_authentication's login message. */
export const USER_MESSAGES = {
  blank: "can't be blank",
  tooShort: (n: number) => `is too short (minimum is ${n} characters)`,
  tooLong: (n: number) => `is too long (maximum is ${n} characters)`,
  taken: "has already been taken",
  invalid: "is invalid",
  /** `Authentication.bad_login_message`. */
  badLogin: "use only letters, numbers, and .-_@ please.",
} as const;

/** `Authentication.login_regex`: `/\A\w[\w\.\-_@]+\z/` (`\w` read as ASCII word characters). */
export const LOGIN_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.\-@]+$/;

/** The login kept by `before_destroy`: destroying it does nothing. */
export const UNDELETABLE_LOGIN = "admin";

export const usersController: Controller = {
  // before_filter :is_allowed (every action): `can_manage_users?`, superadmins here.
  before: (ctx) => ctx.panel.requireSuperadmin(ctx.user),
  reads: new Set(["list", "get"]),
  actions: {
    list: ({ panel }) => usersXml(panel.world.userList()),
    get: (ctx) => userXml(ctx.panel.userParam(ctx)),
    delete: (ctx) => {
      const { world } = ctx.panel;
      const user = ctx.panel.userParam(ctx);
      // before_destroy { |record| record.login != 'admin' } halts the destroy; the answer is true either way.
      if (user.login !== UNDELETABLE_LOGIN) {
        world.users.delete(user.id);
        world.changed();
      }
      return resultXml(true);
    },
    create: (ctx) => save(ctx, null),
    update: (ctx) => save(ctx, ctx.panel.userParam(ctx)),
    enable: (ctx) => setEnabled(ctx, true),
    disable: (ctx) => setEnabled(ctx, false),
  },
};

/** A user being saved: its columns after assignment, the `attr_accessor`s (undefined when nil) and the stored digest. */
interface UserDraft {
  columns: UserColumns;
  password?: string;
  passwordConfirmation?: string;
  /** The stored password's digest (`crypted_password`); null for a new user. */
  passwordDigest: string | null;
}

type ColumnKind = "string" | "boolean" | "integer";

/** `attr_accessible :login, :password, :password_confirmation, :email, :contact_name, :enabled, :role_id`, by column type (db/schema.rb). */
const ACCESSIBLE_COLUMNS: Readonly<Record<keyof UserColumns, ColumnKind>> = {
  login: "string",
  contact_name: "string",
  email: "string",
  enabled: "boolean",
  role_id: "integer",
};

function columnsOf(user: User): UserColumns {
  return { login: user.login, contact_name: user.contact_name, email: user.email, enabled: user.enabled, role_id: user.role_id };
}

/**
 * `params[:password_confirmation] = params[:password]; @user.attributes = params`: each
 * accessible parameter typecast into its column (`login=` lower-cases), the password and its
 * copied confirmation kept; a confirmation the caller sent is overwritten, anything else ignored.
 */
function assign(draft: UserDraft, params: ReadonlyMap<string, string>): void {
  const columns = draft.columns as unknown as Record<string, unknown>;
  for (const [name, value] of params) {
    if (name === "password") draft.password = value;
    else if (Object.hasOwn(ACCESSIBLE_COLUMNS, name)) {
      const kind = ACCESSIBLE_COLUMNS[name as keyof UserColumns];
      if (name === "login") columns[name] = rubyDowncase(value);
      else if (kind === "integer") columns[name] = castInteger(value);
      else if (kind === "boolean") columns[name] = castBoolean(value);
      else columns[name] = value;
    }
  }
  const password = params.get("password");
  if (password !== undefined) draft.passwordConfirmation = password;
}

/** A string's length as Rails 2.3 counts it (`split(//)` under `$KCODE = 'u'`): characters. */
function charCount(value: string): number {
  return [...value].length;
}

/** `/^.+@.+$/` as Ruby matches it: some line (`.` stops only at "\n") with an `@` that has a character on each side. */
function emailFormatOk(email: string): boolean {
  return email.split("\n").some((line) => line.slice(1, -1).includes("@"));
}

/**
 * The model's validations for `draft` (`selfId`: the user's own id on update, left out of the
 * uniqueness check), in the order they are declared: restful_authentication's password checks
 * when `password_required?` (no stored password yet, or a password sent), then login presence,
 * length 2..40, uniqueness and format, then the e-mail's format when one is given.
 */
export function validateUser(world: World, draft: UserDraft, selfId: number | null): ValidationErrors {
  const errors = new Map<string, string[]>();
  const add = (field: string, message: string) => {
    const list = errors.get(field);
    if (list) list.push(message);
    else errors.set(field, [message]);
  };
  const length = (field: string, value: string | null | undefined, min: number, max: number) => {
    // validates_length_of :within: nil is too short; otherwise counted in characters.
    if (value === null || value === undefined || charCount(value) < min) add(field, USER_MESSAGES.tooShort(min));
    else if (charCount(value) > max) add(field, USER_MESSAGES.tooLong(max));
  };

  // password_required?: crypted_password.blank? || !password.blank?
  if (draft.passwordDigest === null || !isBlank(draft.password)) {
    if (isBlank(draft.password)) add("password", USER_MESSAGES.blank);
    if (isBlank(draft.passwordConfirmation)) add("password_confirmation", USER_MESSAGES.blank);
    // validates_confirmation_of :password never fails here: the controller copies the password into its confirmation.
    length("password", draft.password, 6, 40);
  }

  const login = draft.columns.login;
  if (isBlank(login)) add("login", USER_MESSAGES.blank);
  length("login", login, 2, 40);
  // validates_uniqueness_of :login (case-sensitive; logins are stored lower-cased, so any case collides).
  if (login !== null && world.userList().some((u) => u.id !== selfId && u.login === login)) add("login", USER_MESSAGES.taken);
  // validates_format_of :login: `value.to_s =~ regex`, so nil fails too.
  if (!LOGIN_PATTERN.test(login ?? "")) add("login", USER_MESSAGES.badLogin);

  // validates_format_of :email, :with => /^.+@.+$/, :if => :email?
  const email = draft.columns.email;
  if (!isBlank(email) && !emailFormatOk(email as string)) add("email", USER_MESSAGES.invalid);

  const out: ValidationErrors = [];
  for (const [field, messages] of errors) for (const message of messages) out.push([field, message]);
  return out;
}

/** create (`existing` null) and update: `render_object_save_result(@user.save, @user)`. */
function save(ctx: ActionContext, existing: User | null): string {
  const { world } = ctx.panel;
  const draft: UserDraft = existing
    ? { columns: columnsOf(existing), passwordDigest: existing.passwordDigest }
    : // User.new: the schema's defaults (enabled true, the rest NULL).
      { columns: { login: null, contact_name: null, email: null, enabled: true, role_id: null }, passwordDigest: null };
  assign(draft, ctx.params);
  const errors = validateUser(world, draft, existing?.id ?? null);
  if (errors.length > 0) return invalidXml(errors);
  // before_save :encrypt_password: only a password that is not blank is (re)encrypted.
  const password = draft.password;
  const digest = password !== undefined && !isBlank(password) ? world.passwordDigest(password) : draft.passwordDigest;
  if (existing) {
    Object.assign(existing, draft.columns, { passwordDigest: digest as string });
    world.changed();
    return savedXml(existing.id);
  }
  const user: User = { id: world.nextUserId(), ...draft.columns, created_at: world.timestamp(), passwordDigest: digest as string };
  world.users.set(user.id, user);
  world.changed();
  return savedXml(user.id);
}

/** enable, disable: `@user.enabled = …; render_scalar_result(@user.save)` (the save validates; an invalid user is not saved, false). */
function setEnabled(ctx: ActionContext, enabled: boolean): string {
  const { world } = ctx.panel;
  const user = ctx.panel.userParam(ctx);
  const draft: UserDraft = { columns: { ...columnsOf(user), enabled }, passwordDigest: user.passwordDigest };
  if (validateUser(world, draft, user.id).length > 0) return resultXml(false);
  if (user.enabled !== enabled) {
    user.enabled = enabled;
    world.changed();
  }
  return resultXml(true);
}
