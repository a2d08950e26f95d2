import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSchema } from "../../../src/resources/schema-validator";
import { DEFAULT_GANDI_URL, GandiConfigError, readCaFile, resolveGandiConfig } from "../../../src/providers/gandi/config";
import { gandiSavedSettings, gandiSettingsSchema } from "../../../src/providers/gandi/settings";

const PASSWORD = "s3cr3t-Gandi-Password";

function failure(fn: () => unknown): GandiConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GandiConfigError);
    expect(String(error)).not.toContain("s3cr3t");
    return error as GandiConfigError;
  }
  throw new Error("expected the resolution to fail");
}

describe("resolveGandiConfig", () => {
  it("takes the stack's settings first", () => {
    const config = resolveGandiConfig({
      settings: { url: "https://api.example.net/hosting/", login: "AA1234-GANDI", password: PASSWORD, caFile: "/etc/gandi-ca.pem" },
      env: { GANDI_URL: "https://other/", GANDI_LOGIN: "BB-GANDI", GANDI_PASSWORD: "other" },
    });
    expect(config.url).toBe("https://api.example.net/hosting/");
    expect([config.credentials.login, config.credentials.reveal()]).toEqual(["AA1234-GANDI", PASSWORD]);
    expect([config.caFile, config.rejectUnauthorized]).toEqual(["/etc/gandi-ca.pem", true]);
  });

  it("reads GANDI_URL, GANDI_LOGIN and GANDI_PASSWORD; a URL is taken with its path, a bare host means https://host/hosting/", () => {
    const config = resolveGandiConfig({ env: { GANDI_URL: "http://127.0.0.1:8080/hosting/", GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: PASSWORD } });
    expect([config.url, config.credentials.login, config.credentials.reveal()]).toEqual(["http://127.0.0.1:8080/hosting/", "AA1234-GANDI", PASSWORD]);
    const env = { GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: "x" };
    expect(resolveGandiConfig({ env: { ...env, GANDI_URL: "api.example.net" } }).url).toBe("https://api.example.net/hosting/");
    expect(resolveGandiConfig({ env: { ...env, GANDI_URL: "http://127.0.0.1:9000/xmlrpc/" } }).url).toBe("http://127.0.0.1:9000/xmlrpc/");
  });

  it("uses the documented endpoint when none is given", () => {
    expect(DEFAULT_GANDI_URL).toBe("https://api.gandi.net/hosting/");
    expect(resolveGandiConfig({ env: { GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: "x" } }).url).toBe(DEFAULT_GANDI_URL);
  });

  it("keeps a password's spaces and lets settings fill what the environment lacks", () => {
    const config = resolveGandiConfig({ settings: { login: "AA1234-GANDI" }, env: { GANDI_PASSWORD: " pass phrase " } });
    expect([config.credentials.login, config.credentials.reveal()]).toEqual(["AA1234-GANDI", " pass phrase "]);
  });

  it("takes a login and password written into the URL, and keeps them out of the URL", () => {
    const config = resolveGandiConfig({ settings: { url: `https://AA1234-GANDI:${PASSWORD}@api.example.net/hosting/` }, env: {} });
    expect(config.url).toBe("https://api.example.net/hosting/");
    expect([config.credentials.login, config.credentials.reveal()]).toEqual(["AA1234-GANDI", PASSWORD]);
  });

  it("opts out of certificate checks only when told to", () => {
    const env = { GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: "x" };
    expect(resolveGandiConfig({ env }).rejectUnauthorized).toBe(true);
    expect(resolveGandiConfig({ settings: { rejectUnauthorized: false }, env }).rejectUnauthorized).toBe(false);
  });

  it("says what is missing and where to put it", () => {
    expect(failure(() => resolveGandiConfig({ env: {} })).message).toBe(
      "logging in to https://api.gandi.net/hosting/ needs an account handle (provider.gandi.login in the stack, or GANDI_LOGIN in the environment) and a password (GANDI_PASSWORD in the environment, or provider.gandi.password in the stack)",
    );
    expect(failure(() => resolveGandiConfig({ env: { GANDI_PASSWORD: PASSWORD } })).message).toMatch(/needs an account handle \(provider\.gandi\.login .* GANDI_LOGIN/);
    const noPassword = failure(() => resolveGandiConfig({ env: { GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: "" } })).message;
    expect(noPassword).toContain("needs a password (GANDI_PASSWORD");
    expect(noPassword).not.toContain("account handle");
  });

  it("refuses what is not an endpoint, without quoting a password in it", () => {
    const env = { GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: "x" };
    expect(failure(() => resolveGandiConfig({ settings: { url: "ftp://api.example.net/" }, env })).message).toContain("gandi.url must be an http:// or https:// URL");
    expect(failure(() => resolveGandiConfig({ settings: { url: `https://AA:${PASSWORD}@[bad/` }, env })).message).toContain("is neither a host name nor a URL");
    expect(failure(() => resolveGandiConfig({ env: { ...env, GANDI_URL: "https://api.example.net/hosting/?a=1" } })).message).toContain("GANDI_URL must not carry a query");
  });

  it("never shows the password in JSON, inspect or string form", () => {
    const config = resolveGandiConfig({ env: { GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: PASSWORD } });
    for (const view of [JSON.stringify(config), inspect(config, { depth: 10, showHidden: true }), String(config.credentials), JSON.stringify(config.credentials)]) {
      expect(view).not.toContain("s3cr3t");
    }
    expect(inspect(config.credentials)).toBe('GandiCredentials { login: "AA1234-GANDI", password: (hidden) }');
  });

  it("reads a CA file, or names the file it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperplan-gandi-ca-"));
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    expect(await readCaFile(join(dir, "ca.pem"))).toContain("BEGIN CERTIFICATE");
    const error = await readCaFile(join(dir, "missing.pem")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GandiConfigError);
    expect((error as Error).message).toContain("missing.pem (ENOENT)");
  });
});

describe("the Gandi settings", () => {
  it("are saved without the password, in the settings or in the URL", () => {
    expect(gandiSavedSettings({ url: `https://AA1234-GANDI:${PASSWORD}@api.example.net/hosting/`, login: "AA1234-GANDI", password: PASSWORD, rejectUnauthorized: false })).toEqual({
      url: "https://api.example.net/hosting/",
      login: "AA1234-GANDI",
      rejectUnauthorized: false,
    });
    expect(gandiSavedSettings({ url: "api.example.net" })).toEqual({ url: "api.example.net" });
    expect(gandiSavedSettings({ password: PASSWORD })).toEqual({});
  });

  it("have a schema that refuses unknown keys and marks the password secret", () => {
    expect(gandiSettingsSchema).toMatchObject({ type: "object", additionalProperties: false, properties: { password: { type: "string", secret: true }, rejectUnauthorized: { type: "boolean" } } });
    expect(checkSchema(gandiSettingsSchema, { url: "api.example.net", login: "AA1234-GANDI" })).toEqual([]);
    expect(checkSchema(gandiSettingsSchema, { login: "" }).map((p) => p.path)).toEqual(["login"]);
    expect(checkSchema(gandiSettingsSchema, { url: "api.example.net", apikey: "k" })).not.toEqual([]);
  });
});
