import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSchema } from "../../../src/resources/schema-validator";
import { XenServerConfigError, readCaFile, resolveXenServerConfig, xenServerSavedSettings, xenServerSettingsSchema } from "../../../src/providers/xenserver/index";

const PASSWORD = "s3cr3t-Xen-Password";

function failure(fn: () => unknown): XenServerConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(XenServerConfigError);
    expect(String(error)).not.toContain("s3cr3t");
    return error as XenServerConfigError;
  }
  throw new Error("expected the resolution to fail");
}

describe("resolveXenServerConfig", () => {
  it("takes the stack's settings first", () => {
    const config = resolveXenServerConfig({
      settings: { url: "https://xen1.example.org", username: "root", password: PASSWORD, caFile: "/etc/pool-ca.pem" },
      env: { XENSERVER_HOST: "other", XENSERVER_USER: "admin", XENSERVER_PASSWORD: "other" },
    });
    expect(config.url).toBe("https://xen1.example.org/");
    expect(config.credentials.username).toBe("root");
    expect(config.credentials.reveal()).toBe(PASSWORD);
    expect([config.caFile, config.rejectUnauthorized]).toEqual(["/etc/pool-ca.pem", true]);
  });

  it("reads XENSERVER_HOST, XENSERVER_USER and XENSERVER_PASSWORD as Ansible's xenserver modules do; a bare host means https://host/", () => {
    const config = resolveXenServerConfig({ env: { XENSERVER_HOST: "xen1.example.org", XENSERVER_USER: "root", XENSERVER_PASSWORD: PASSWORD } });
    expect(config.url).toBe("https://xen1.example.org/");
    expect([config.credentials.username, config.credentials.reveal(), config.rejectUnauthorized]).toEqual(["root", PASSWORD, true]);
    expect(resolveXenServerConfig({ env: { XENSERVER_HOST: "192.0.2.10:8443", XENSERVER_USER: "root", XENSERVER_PASSWORD: "x" } }).url).toBe("https://192.0.2.10:8443/");
    expect(resolveXenServerConfig({ env: { XENSERVER_HOST: "http://127.0.0.1:8080", XENSERVER_USER: "root", XENSERVER_PASSWORD: "x" } }).url).toBe("http://127.0.0.1:8080/");
  });

  it("keeps a password's spaces and lets settings fill what the environment lacks", () => {
    const config = resolveXenServerConfig({ settings: { url: "xen1" }, env: { XENSERVER_USER: "root", XENSERVER_PASSWORD: " pass phrase " } });
    expect([config.url, config.credentials.reveal()]).toEqual(["https://xen1/", " pass phrase "]);
  });

  it("takes a user and password written into the URL, and keeps them out of the URL", () => {
    const config = resolveXenServerConfig({ settings: { url: `https://root:${PASSWORD}@xen1.example.org/` }, env: {} });
    expect(config.url).toBe("https://xen1.example.org/");
    expect([config.credentials.username, config.credentials.reveal()]).toEqual(["root", PASSWORD]);
  });

  it("opts out of certificate checks only when told to", () => {
    const env = { XENSERVER_HOST: "xen1", XENSERVER_USER: "root", XENSERVER_PASSWORD: "x" };
    expect(resolveXenServerConfig({ settings: { rejectUnauthorized: false }, env }).rejectUnauthorized).toBe(false);
    expect(resolveXenServerConfig({ env: { ...env, XENSERVER_VALIDATE_CERTS: "false" } }).rejectUnauthorized).toBe(false);
    expect(resolveXenServerConfig({ env: { ...env, XENSERVER_VALIDATE_CERTS: "yes" } }).rejectUnauthorized).toBe(true);
    expect(resolveXenServerConfig({ settings: { rejectUnauthorized: true }, env: { ...env, XENSERVER_VALIDATE_CERTS: "no" } }).rejectUnauthorized).toBe(true);
  });

  it("speaks JSON-RPC unless the settings or XENSERVER_TRANSPORT choose XML-RPC", () => {
    const env = { XENSERVER_HOST: "xen1", XENSERVER_USER: "root", XENSERVER_PASSWORD: "x" };
    expect(resolveXenServerConfig({ env }).transport).toBe("json-rpc");
    expect(resolveXenServerConfig({ env: { ...env, XENSERVER_TRANSPORT: "XML-RPC" } }).transport).toBe("xml-rpc");
    expect(resolveXenServerConfig({ settings: { transport: "json-rpc" }, env: { ...env, XENSERVER_TRANSPORT: "xml-rpc" } }).transport).toBe("json-rpc");
    expect(failure(() => resolveXenServerConfig({ env: { ...env, XENSERVER_TRANSPORT: "soap" } })).message).toContain('XENSERVER_TRANSPORT must be json-rpc or xml-rpc, got "soap"');
  });

  it("says what is missing and where to put it", () => {
    expect(failure(() => resolveXenServerConfig({ env: {} })).message).toMatch(/no XenServer pool is given: set provider\.xenserver\.url .* XENSERVER_HOST/);
    expect(failure(() => resolveXenServerConfig({ env: { XENSERVER_HOST: "xen1" } })).message).toBe(
      "logging in to https://xen1/ needs a user (xenserver.username or XENSERVER_USER) and a password (xenserver.password or XENSERVER_PASSWORD)",
    );
    expect(failure(() => resolveXenServerConfig({ env: { XENSERVER_HOST: "xen1", XENSERVER_PASSWORD: PASSWORD } })).message).toContain("needs a user");
    expect(failure(() => resolveXenServerConfig({ env: { XENSERVER_HOST: "xen1", XENSERVER_USER: "root", XENSERVER_PASSWORD: "" } })).message).toContain("needs a password");
  });

  it("refuses what is not a pool address, without quoting a password in it", () => {
    expect(failure(() => resolveXenServerConfig({ settings: { url: "ftp://xen1/" }, env: {} })).message).toContain("must be an http:// or https:// URL");
    expect(failure(() => resolveXenServerConfig({ settings: { url: `https://root:${PASSWORD}@[bad/` }, env: {} })).message).toContain("is neither a host name nor a URL");
    expect(failure(() => resolveXenServerConfig({ settings: { url: "https://xen1/?a=1" }, env: {} })).message).toContain("query");
  });

  it("never shows the password in JSON, inspect or string form", () => {
    const config = resolveXenServerConfig({ env: { XENSERVER_HOST: "xen1", XENSERVER_USER: "root", XENSERVER_PASSWORD: PASSWORD } });
    for (const view of [JSON.stringify(config), inspect(config, { depth: 10, showHidden: true }), String(config.credentials), `${JSON.stringify(config.credentials)}`]) {
      expect(view).not.toContain("s3cr3t");
    }
    expect(inspect(config.credentials)).toBe('XenCredentials { username: "root", password: (hidden) }');
  });

  it("reads a CA file, or names the file it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperplan-xen-ca-"));
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    expect(await readCaFile(join(dir, "ca.pem"))).toContain("BEGIN CERTIFICATE");
    const error = await readCaFile(join(dir, "missing.pem")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XenServerConfigError);
    expect((error as Error).message).toContain("missing.pem (ENOENT)");
  });
});

describe("the XenServer settings", () => {
  it("are saved without the password, in the settings or in the URL", () => {
    expect(xenServerSavedSettings({ url: `https://root:${PASSWORD}@xen1/`, username: "root", password: PASSWORD, rejectUnauthorized: false })).toEqual({
      url: "https://xen1/",
      username: "root",
      rejectUnauthorized: false,
    });
    expect(xenServerSavedSettings({ url: "xen1" })).toEqual({ url: "xen1" });
  });

  it("have a schema that refuses unknown keys and marks the password secret", () => {
    expect(xenServerSettingsSchema).toMatchObject({ type: "object", additionalProperties: false, properties: { password: { type: "string", secret: true }, rejectUnauthorized: { type: "boolean" } } });
    expect(checkSchema(xenServerSettingsSchema, { url: "xen1", transport: "xml-rpc" })).toEqual([]);
    expect(checkSchema(xenServerSettingsSchema, { transport: "soap" }).map((p) => p.path)).toEqual(["transport"]);
    expect(checkSchema(xenServerSettingsSchema, { url: "xen1", port: 443 })).not.toEqual([]);
  });
});
