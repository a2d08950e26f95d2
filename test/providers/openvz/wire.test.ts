/**
 * The panel's answers as the client reads them: the seed's own examples (seed 004) and the shapes of
 * FACTS §3.2 and §3.4, each decoded into records or typed errors.
 */
import { describe, expect, it } from "vitest";
import { answerOf } from "../../../src/providers/openvz/client";
import { OwpApiError, OwpCallFailed, OwpValidationError } from "../../../src/providers/openvz/errors";
import { virtualServerOf, hardwareServerOf, templateOf } from "../../../src/providers/openvz/records";
import { parseXml } from "../../../src/providers/openvz/xml";

// seed 004, "virtual_servers/get".
const SEED_VS = `<?xml version="1.0" encoding="UTF-8"?>
<virtual_server>
  <cpu_limit type="integer" nil="true"></cpu_limit>
  <cpu_units type="integer">1000</cpu_units>
  <cpus type="integer" nil="true"></cpus>
  <description nil="true"></description>
  <diskspace type="integer">2000</diskspace>
  <expiration_date type="date" nil="true"></expiration_date>
  <hardware_server_id type="integer">38</hardware_server_id>
  <host_name>ldap.lan</host_name>
  <id type="integer">299</id>
  <identity type="integer">131</identity>
  <ip_address>192.168.0.131</ip_address>
  <memory type="integer">272</memory>
  <nameserver>192.168.0.4</nameserver>
  <orig_os_template>ubuntu-10.04-x86</orig_os_template>
  <orig_server_template>vps.basic</orig_server_template>
  <search_domain>lan</search_domain>
  <start_on_boot type="boolean">true</start_on_boot>
  <state>running</state>
  <user_id type="integer">0</user_id>
</virtual_server>`;

describe("the panel's answers", () => {
  it("decode the seed's virtual server, typed, with NULLs as null", () => {
    expect(virtualServerOf(answerOf("virtual_servers/get", SEED_VS))).toEqual({
      id: 299,
      identity: 131,
      hardwareServerId: 38,
      hostName: "ldap.lan",
      ipAddresses: ["192.168.0.131"],
      state: "running",
      osTemplate: "ubuntu-10.04-x86",
      serverTemplate: "vps.basic",
      nameserver: "192.168.0.4",
      searchDomain: "lan",
      diskspace: 2000,
      memory: 272,
      vswap: null,
      cpuUnits: 1000,
      cpus: null,
      cpuLimit: null,
      startOnBoot: true,
      userId: 0,
      description: null,
    });
  });

  it("decode hardware servers and templates, entities and self-closing elements included", () => {
    const hw = parseXml(`<hardware_server><daemon_port type="integer">7767</daemon_port><default_os_template>debian</default_os_template><default_server_template>vps.basic2</default_server_template><description/><host>a&amp;b.lan</host><id type="integer">38</id><use_ssl type="boolean">true</use_ssl></hardware_server>`);
    expect(hardwareServerOf(hw)).toEqual({ id: 38, host: "a&b.lan", description: "", defaultOsTemplate: "debian", defaultServerTemplate: "vps.basic2" });
    expect(templateOf(parseXml(`<os_template><id type="integer">477</id><name>centos-5-x86_64</name><size type="integer">182</size></os_template>`))).toEqual({ id: 477, name: "centos-5-x86_64" });
  });

  it("turn <error> into typed errors, the vzctl command and output taken apart", () => {
    const vzctl = `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <code>internal_error</code>\n  <message>Internal error.</message>\n  <details>Command 'vzctl create 101 --ostemplate nope --config vps.basic' execution failed with code 22\nOutput: Cache file nope.tar.gz not found</details>\n</error>`;
    const error = (() => {
      try {
        answerOf("virtual_servers/create", vzctl);
      } catch (e) {
        return e as OwpApiError;
      }
      throw new Error("no error");
    })();
    expect(error).toBeInstanceOf(OwpApiError);
    expect(error.errorCode).toBe("internal_error");
    expect(error.vzctl).toEqual({ command: "vzctl create 101 --ostemplate nope --config vps.basic", exitCode: 22, output: "Cache file nope.tar.gz not found" });
    expect(error.message).toBe("virtual_servers/create failed: internal_error (Internal error.) (vzctl create 101 --ostemplate nope --config vps.basic exited 22: Cache file nope.tar.gz not found)");
    expect(() => answerOf("virtual_servers/get", "<error><code>object_not_found</code><message>Object not found.</message></error>")).toThrow(/object_not_found \(Object not found\.\)/);
    expect(() => answerOf("x/y", "<error><code>object_not_valid</code><message>Unknown error.</message></error>")).toThrow(OwpApiError);
  });

  it("turn a refused validation into the fields and messages, and a bare false into a failed vzctl", () => {
    const refused = `<result><status type="boolean">false</status><details type="array"><detail><field>ip_address</field><error>IP address was assigned already to the other server.</error></detail><detail><field>host_name</field><error>Hostname is invalid.</error></detail></details></result>`;
    expect(() => answerOf("virtual_servers/create", refused)).toThrow(OwpValidationError);
    try {
      answerOf("virtual_servers/create", refused);
    } catch (e) {
      expect((e as OwpValidationError).problems).toEqual([
        { field: "ip_address", error: "IP address was assigned already to the other server." },
        { field: "host_name", error: "Hostname is invalid." },
      ]);
    }
    expect(() => answerOf("virtual_servers/start", `<result><status type="boolean">false</status></result>`)).toThrow(OwpCallFailed);
    expect(answerOf("virtual_servers/create", `<result><status type="boolean">true</status><details><id type="integer">350</id></details></result>`).name).toBe("result");
  });

  it("refuses what is not XML, or not balanced, saying where", () => {
    expect(() => answerOf("x/y", "<html><body>Bad Gateway</html>")).toThrow(/x\/y answered something that is not XML \(<\/html> closes <body>/);
    expect(() => answerOf("x/y", "")).toThrow(/no root element/);
    expect(() => virtualServerOf(parseXml(`<virtual_server><id type="integer">x</id></virtual_server>`))).toThrow(/not a whole number/);
  });
});

describe("the client against the panel", () => {
  it("turns HTTP 401 into an error naming the user, never the password", async () => {
    const { startOpenVzSimulator } = await import("../../../src/sim/openvz/index");
    const { OwpClient } = await import("../../../src/providers/openvz/client");
    const { OwpCredentials } = await import("../../../src/providers/openvz/config");
    const sim = await startOpenVzSimulator({ port: 0, delays: "instant" });
    const client = new OwpClient({ url: sim.url, credentials: new OwpCredentials("admin", "wrong-pass-123") });
    try {
      const error = await client.hardwareServers().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/refused the user "admin" \(HTTP 401\)/);
      expect(String(error?.message) + String(error?.stack)).not.toContain("wrong-pass-123");
    } finally {
      await client.close();
      await sim.close();
    }
  });
});
