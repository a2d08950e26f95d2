import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { resolveOpenVzConfig } from "../../../src/providers/openvz/config";
import { openVzSavedSettings } from "../../../src/providers/openvz/settings";

describe("OpenVZ settings", () => {
  it("come from the stack, else OWP_URL, OWP_USER and OWP_PASSWORD; the API path is the panel's", () => {
    const env = { OWP_URL: "http://panel.lan:3000", OWP_USER: "admin", OWP_PASSWORD: "s3cret" };
    const config = resolveOpenVzConfig({ env });
    expect(config.url).toBe("http://panel.lan:3000/");
    expect(config.credentials.user).toBe("admin");
    expect(config.credentials.basicAuth()).toBe(`Basic ${Buffer.from("admin:s3cret").toString("base64")}`);
    expect(resolveOpenVzConfig({ env, settings: { url: "https://owp.example.org/api/", hardwareServer: "node2.lan" } })).toMatchObject({ url: "https://owp.example.org/", hardwareServer: "node2.lan" });
  });

  it("never show the password, and say what is missing", () => {
    const config = resolveOpenVzConfig({ env: { OWP_URL: "http://u:pw-in-url@panel.lan:3000/" } });
    expect(config.url).toBe("http://panel.lan:3000/");
    const shown = `${JSON.stringify(config)} ${inspect(config)}`;
    expect(shown).not.toContain("pw-in-url");
    expect(() => resolveOpenVzConfig({ env: {} })).toThrow(/the panel's URL is not given: set OWP_URL/);
    expect(() => resolveOpenVzConfig({ env: { OWP_URL: "http://panel.lan/" } })).toThrow(/needs a user .* and a password/);
    expect(() => resolveOpenVzConfig({ env: { OWP_URL: "ftp://panel.lan/", OWP_USER: "a", OWP_PASSWORD: "b" } })).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
    expect(openVzSavedSettings({ url: "http://u:p@panel.lan/", username: "u", password: "p" })).toEqual({ url: "http://panel.lan/", username: "u" });
  });
});
