import { describe, expect, it } from "vitest";
import { decodeResponse, encodeCall } from "../../../src/xmlrpc/index";
import { referenceMissing } from "../../support/reference";
import { validateOneXml, type OneSchema } from "../../support/xsd";
import { IMAGE_TEMPLATE, NET_TEMPLATE, callRaw, fakeClock, parseDoc, post, vmTemplate, withSim } from "./helpers";

const NO_XSD = referenceMissing("opennebula/xsd", "validation of documents and locked objects against oned's XSDs");
const CLOCK_START = Date.UTC(2026, 0, 15, 9, 0, 0);
// document.xsd is not in the shared helper's list of schemas; the helper reads every file of the folder.
const DOCUMENT_XSD = "document.xsd" as OneSchema;
const DOCUMENT_POOL_XSD = "document_pool.xsd" as OneSchema;
const LOCKED_VM = (id: number) => `User [0] : VM is locked. [${id}].`;

describe("documents", () => {
  it("allocate, info, update, rename and delete a document, as oned's DocumentAPI does", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.document.allocate", 'NAME="stack-lock"\nOWNER_RUN="r-1"\nDESCRIPTION="hyperplan"', 1207);
      expect(id).toBe(0);
      const xml = await one.doc("one.document.info", id);
      expect(xml).toBe(
        "<DOCUMENT><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>stack-lock</NAME><TYPE>1207</TYPE>" +
          "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>" +
          "<TEMPLATE><DESCRIPTION><![CDATA[hyperplan]]></DESCRIPTION><OWNER_RUN><![CDATA[r-1]]></OWNER_RUN></TEMPLATE></DOCUMENT>",
      );

      await one.ok("one.document.update", id, 'OWNER_RUN="r-2"', 1);
      expect(parseDoc(await one.doc("one.document.info", id)).DOCUMENT[0].TEMPLATE).toEqual({ DESCRIPTION: "hyperplan", OWNER_RUN: "r-2" });
      await one.ok("one.document.update", id, 'ONLY="this"');
      expect(parseDoc(await one.doc("one.document.info", id)).DOCUMENT[0].TEMPLATE).toEqual({ ONLY: "this" });
      expect(await one.fail("one.document.update", id, 'X="1"', 2)).toMatchObject({ code: 0x1000, message: "[one.document.update] Wrong update type" });

      await one.ok("one.document.rename", id, "stack-lock-2");
      expect(parseDoc(await one.doc("one.document.info", id)).DOCUMENT[0].NAME).toBe("stack-lock-2");
      expect(await one.fail("one.document.rename", id, "a:b")).toMatchObject({ code: 0x800, message: "[one.document.rename] Invalid NAME, char ':' is not allowed" });

      await one.ok("one.document.delete", id);
      expect(await one.fail("one.document.info", id)).toMatchObject({ code: 0x400, id, message: `[one.document.info] Error getting document [${id}].` });
      expect(await one.fail("one.document.delete", id)).toMatchObject({ code: 0x400, message: `[one.document.delete] Error getting document [${id}].` });
    });
  });

  it("names a document without NAME document-<id>, lets names repeat, and refuses a NAME over 128 characters", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const a = await one.id("one.document.allocate", 'K="v"', 5);
      expect(parseDoc(await one.doc("one.document.info", a)).DOCUMENT[0].NAME).toBe(`document-${a}`);
      const b = await one.id("one.document.allocate", 'NAME="twin"', 5);
      const c = await one.id("one.document.allocate", 'NAME="twin"', 5);
      expect([b, c]).toEqual([a + 1, a + 2]);
      await one.ok("one.document.rename", a, "twin");
      expect(await one.fail("one.document.allocate", `NAME="${"x".repeat(129)}"`, 5)).toMatchObject({
        code: 0x2000,
        message: "[one.document.allocate] NAME is too long; max length is 128 chars.",
      });
      expect(await one.id("one.document.allocate", 'NAME="next"', 5)).toBe(c + 1);
    });
  });

  it("lists documents of one type with oned's filter, range and page semantics; the type is required", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      for (let i = 0; i < 5; i++) await one.id("one.document.allocate", `NAME="d${i}"`, i % 2 === 0 ? 100 : 101);
      const names = async (...params: number[]) => {
        const pool = parseDoc(await one.doc("one.documentpool.info", ...params)).DOCUMENT_POOL;
        return ((pool?.DOCUMENT ?? []) as { NAME: string }[]).map((d) => d.NAME);
      };
      expect(await names(-2, -1, -1, 100)).toEqual(["d0", "d2", "d4"]);
      expect(await names(-2, -1, -1, 101)).toEqual(["d1", "d3"]);
      expect(await names(-2, -1, -1, 7)).toEqual([]);
      expect(await one.doc("one.documentpool.info", -2, -1, -1, 7)).toBe("<DOCUMENT_POOL></DOCUMENT_POOL>");
      expect(await names(-2, 1, 3, 100)).toEqual(["d2"]);
      expect(await names(-2, 1, -2, 100)).toEqual(["d2", "d4"]);
      expect(await names(-3, -1, -1, 101)).toEqual(["d1", "d3"]);
      expect(await names(1, -1, -1, 101)).toEqual([]);
      expect(await one.fail("one.documentpool.info", -5, -1, -1, 100)).toMatchObject({ code: 0x1000 });
      const missing = await callRaw(one.sim.url, "one.documentpool.info", [-2, -1, -1]);
      expect(missing).toMatchObject({ fault: true, code: -501, message: "Not enough parameters" });
    });
  });
});

describe("locks", () => {
  it("locks a document: LOCK in the XSD's place, manage calls refused, info allowed, unlock frees it", async () => {
    const clock = fakeClock(CLOCK_START);
    await withSim({ clock, delays: "instant" }, async (one) => {
      const id = await one.id("one.document.allocate", 'NAME="lock"', 1207);
      expect(await one.id("one.document.lock", id, 2)).toBe(id);
      const xml = await one.doc("one.document.info", id);
      expect(xml).toMatch(/<\/PERMISSIONS><LOCK><LOCKED>2<\/LOCKED><OWNER>0<\/OWNER><TIME>1768467600<\/TIME><REQ_ID>\d+<\/REQ_ID><\/LOCK><TEMPLATE\/><\/DOCUMENT>$/);
      const pool = await one.doc("one.documentpool.info", -2, -1, -1, 1207);
      expect(pool).toContain("<LOCK><LOCKED>2</LOCKED>");

      for (const [method, params] of [
        ["one.document.update", [id, 'A="1"']],
        ["one.document.rename", [id, "other"]],
        ["one.document.delete", [id]],
        ["one.document.chown", [id, 1, -1]],
        ["one.document.chmod", [id, 1, 1, 1, -1, -1, -1, -1, -1, -1]],
      ] as const) {
        expect(await one.fail(method, ...params)).toMatchObject({ code: 0x200, id: -1, message: `[${method}] User [0] : DOCUMENT is locked. [${id}].` });
      }
      // Renaming to its own name is done before the authorization, so it succeeds even when locked.
      await one.ok("one.document.rename", id, "lock");
      await one.ok("one.document.info", id);

      expect(await one.id("one.document.unlock", id)).toBe(id);
      expect(await one.doc("one.document.info", id)).not.toContain("<LOCK>");
      await one.ok("one.document.update", id, 'A="1"');
      await one.ok("one.document.delete", id);
    });
  });

  it("tests and sets: test=true on a locked object fails with the lock's TIME; without test the lock is retaken", async () => {
    const clock = fakeClock(CLOCK_START);
    await withSim({ clock, delays: "instant" }, async (one) => {
      const id = await one.id("one.document.allocate", 'NAME="lock"', 1207);
      await one.ok("one.document.lock", id, 4, true);
      expect(parseDoc(await one.doc("one.document.info", id)).DOCUMENT[0].LOCK).toMatchObject({ LOCKED: "1", OWNER: "0", TIME: "1768467600" });
      clock.advance(30_000);
      expect(await one.fail("one.document.lock", id, 1, true)).toMatchObject({ code: 0x800, message: "[one.document.lock] 1768467600" });
      await one.ok("one.document.lock", id, 3);
      expect(parseDoc(await one.doc("one.document.info", id)).DOCUMENT[0].LOCK).toMatchObject({ LOCKED: "3", TIME: "1768467630" });
      expect(await one.fail("one.document.lock", id, 5)).toMatchObject({ code: 0x800, message: "[one.document.lock] Wrong lock level specified" });
      expect(await one.fail("one.document.lock", id, 0)).toMatchObject({ code: 0x800, message: "[one.document.lock] Wrong lock level specified" });
      expect(await one.fail("one.document.lock", 99, 1)).toMatchObject({ code: 0x400, id: 99, message: "[one.document.lock] Error getting document [99]." });
      expect(await one.fail("one.document.unlock", 99)).toMatchObject({ code: 0x400, id: 99, message: "[one.document.unlock] Error getting document [99]." });
      // An ADMIN lock blocks only admin operations: update (MANAGE) passes, a chmod of an ADMIN bit does not.
      await one.ok("one.document.update", id, 'A="1"');
      await one.ok("one.document.chmod", id, -1, -1, -1, 1, -1, -1, -1, -1, -1);
      expect((await one.fail("one.document.chmod", id, -1, -1, 1, -1, -1, -1, -1, -1, -1)).code).toBe(0x200);
    });
  });

  it("applies oned's lock levels to VMs: USE blocks every action, MANAGE manage and admin ones, ADMIN only admin ones", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const vm = await one.id("one.vm.allocate", vmTemplate("locked", null, null), true);
      await one.ok("one.vm.lock", vm, 1);
      expect(await one.fail("one.vm.action", "release", vm)).toMatchObject({ code: 0x200, message: `[one.vm.action] ${LOCKED_VM(vm)}` });
      expect((await one.fail("one.vm.update", vm, 'A="1"')).message).toBe(`[one.vm.update] ${LOCKED_VM(vm)}`);
      expect((await one.fail("one.vm.rename", vm, "x")).message).toBe(`[one.vm.rename] ${LOCKED_VM(vm)}`);
      expect((await one.fail("one.vm.action", "terminate-hard", vm)).message).toBe(`[one.vm.action] ${LOCKED_VM(vm)}`);
      expect((await one.fail("one.vm.resize", vm, 'CPU="2"')).message).toBe(`[one.vm.resize] ${LOCKED_VM(vm)}`);
      // An action oned does not know is refused by the authorization first, as a manage operation.
      expect((await one.fail("one.vm.action", "explode", vm)).message).toBe(`[one.vm.action] ${LOCKED_VM(vm)}`);
      const info = parseDoc(await one.doc("one.vm.info", vm)).VM[0];
      expect(info.LOCK).toMatchObject({ LOCKED: "1", OWNER: "0" });
      const short = await one.doc("one.vmpool.info", -2, -1, -1, -1);
      expect(short).toContain("<DEPLOY_ID/><LOCK><LOCKED>1</LOCKED></LOCK><TEMPLATE>");

      await one.ok("one.vm.lock", vm, 3);
      await one.ok("one.vm.action", "release", vm);
      await one.ok("one.vm.update", vm, 'A="1"', 1);
      expect((await one.fail("one.vm.action", "resched", vm)).message).toBe(`[one.vm.action] ${LOCKED_VM(vm)}`);
      expect((await one.fail("one.vm.recover", vm, 3)).message).toBe(`[one.vm.recover] ${LOCKED_VM(vm)}`);
      expect((await one.fail("one.vm.deploy", vm, 0)).message).toBe(`[one.vm.deploy] ${LOCKED_VM(vm)}`);

      await one.ok("one.vm.lock", vm, 2);
      expect((await one.fail("one.vm.action", "terminate", vm)).message).toBe(`[one.vm.action] ${LOCKED_VM(vm)}`);
      await one.ok("one.vm.unlock", vm);
      await one.ok("one.vm.action", "terminate-hard", vm);
      expect(await one.fail("one.vm.lock", 42, 1)).toMatchObject({ code: 0x400, message: "[one.vm.lock] Error getting virtual machine [42]." });
    });
  });

  it("locks templates, images and networks; security groups have no lock methods in oned", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      const tpl = await one.id("one.template.allocate", vmTemplate("tpl", img, net));

      await one.ok("one.template.lock", tpl, 1);
      const tdoc = await one.doc("one.template.info", tpl);
      expect(tdoc).toMatch(/<NAME>tpl<\/NAME><LOCK><LOCKED>1<\/LOCKED>.*<\/LOCK><PERMISSIONS>/);
      expect((await one.fail("one.template.instantiate", tpl, "vm", false, "")).message).toBe(`[one.template.instantiate] User [0] : TEMPLATE is locked. [${tpl}].`);
      expect((await one.fail("one.template.delete", tpl)).message).toBe(`[one.template.delete] User [0] : TEMPLATE is locked. [${tpl}].`);
      await one.ok("one.template.lock", tpl, 2);
      await one.id("one.template.instantiate", tpl, "vm", true, "");
      expect((await one.fail("one.template.update", tpl, 'A="1"')).code).toBe(0x200);
      await one.ok("one.template.unlock", tpl);
      await one.ok("one.template.update", tpl, 'A="1"', 1);

      await one.ok("one.image.lock", img, 2);
      const idoc = await one.doc("one.image.info", img);
      expect(idoc).toMatch(/<NAME>base<\/NAME><LOCK><LOCKED>2<\/LOCKED>.*<\/LOCK><PERMISSIONS>/);
      expect((await one.fail("one.image.rename", img, "x")).message).toBe(`[one.image.rename] User [0] : IMAGE is locked. [${img}].`);
      expect((await one.fail("one.image.delete", img)).message).toBe(`[one.image.delete] User [0] : IMAGE is locked. [${img}].`);
      expect((await one.fail("one.image.persistent", img, true)).code).toBe(0x200);
      await one.ok("one.image.unlock", img);

      await one.ok("one.vn.lock", net, 3);
      const ndoc = await one.doc("one.vn.info", net);
      expect(ndoc).toMatch(/<NAME>lan<\/NAME><LOCK><LOCKED>3<\/LOCKED>.*<\/LOCK><PERMISSIONS>/);
      await one.ok("one.vn.update", net, 'DESCRIPTION="x"', 1);
      expect((await one.fail("one.vn.add_ar", net, 'AR=[TYPE="ETHER", SIZE="2"]')).message).toBe(`[one.vn.add_ar] User [0] : NET is locked. [${net}].`);
      await one.ok("one.vn.lock", net, 2);
      expect((await one.fail("one.vn.delete", net)).message).toBe(`[one.vn.delete] User [0] : NET is locked. [${net}].`);
      await one.ok("one.vn.unlock", net);

      expect(await callRaw(one.sim.url, "one.secgroup.lock", [0, 1])).toMatchObject({ fault: true, code: -506, message: "Method 'one.secgroup.lock' not defined" });
    });
  });

  it("drops an image's lock when the image changes state (Image::set_state unlocks)", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const img = await one.id("one.image.allocate", 'NAME="data"\nTYPE="DATABLOCK"\nSIZE="10"', 1);
      await one.ok("one.image.lock", img, 3);
      await one.id("one.vm.allocate", vmTemplate("user", img, null));
      const doc = await one.image(img);
      expect(Number(doc.STATE)).toBe(2);
      expect(doc.LOCK).toBeUndefined();
    });
  });

  it("lists the lock and document methods in system.listMethods", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const decoded = decodeResponse((await post(one.sim.url, encodeCall("system.listMethods", []))).body);
      expect(decoded.fault).toBe(false);
      const methods = (decoded as { value: string[] }).value;
      for (const m of [
        "one.document.allocate",
        "one.document.info",
        "one.document.update",
        "one.document.delete",
        "one.document.rename",
        "one.document.chmod",
        "one.document.chown",
        "one.document.lock",
        "one.document.unlock",
        "one.documentpool.info",
        "one.vm.lock",
        "one.vm.unlock",
        "one.template.lock",
        "one.template.unlock",
        "one.image.lock",
        "one.image.unlock",
        "one.vn.lock",
        "one.vn.unlock",
      ]) {
        expect(methods).toContain(m);
      }
      expect(methods).not.toContain("one.secgroup.lock");
    });
  });
});

describe.skipIf(NO_XSD)("documents and locked objects validate against oned's XSDs", () => {
  it("a document, unlocked and locked, its pool, and a locked VM (full and short), template, image and network", async () => {
    const clock = fakeClock(CLOCK_START);
    await withSim({ clock, delays: "instant" }, async (one) => {
      const documents: [string, string, OneSchema][] = [];
      const doc = await one.id("one.document.allocate", 'NAME="stack-lock"\nOWNER_RUN="r-1"\nDESCRIPTION="hyperplan"', 1207);
      await one.id("one.document.allocate", 'NAME="other"', 1207);
      documents.push(["document", await one.doc("one.document.info", doc), DOCUMENT_XSD]);
      await one.ok("one.document.lock", doc, 2);
      documents.push(["locked document", await one.doc("one.document.info", doc), DOCUMENT_XSD]);
      documents.push(["document pool", await one.doc("one.documentpool.info", -2, -1, -1, 1207), DOCUMENT_POOL_XSD]);

      const vm = await one.id("one.vm.allocate", vmTemplate("locked", null, null), true);
      await one.ok("one.vm.lock", vm, 1);
      documents.push(["locked VM", await one.doc("one.vm.info", vm), "vm.xsd"]);
      documents.push(["short pool with a locked VM", await one.doc("one.vmpool.info", -2, -1, -1, -1), "vm_pool.xsd"]);

      const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      const tpl = await one.id("one.template.allocate", vmTemplate("tpl", img, net));
      await one.ok("one.template.lock", tpl, 1);
      await one.ok("one.image.lock", img, 2);
      await one.ok("one.vn.lock", net, 3);
      documents.push(["locked template", await one.doc("one.template.info", tpl), "vmtemplate.xsd"]);
      documents.push(["locked image", await one.doc("one.image.info", img), "image.xsd"]);
      documents.push(["locked network", await one.doc("one.vn.info", net), "vnet.xsd"]);

      expect(documents.filter(([, xml]) => xml.includes("<LOCK><LOCKED>")).map(([what]) => what)).toHaveLength(7);
      const results = await Promise.all(documents.map(([, xml, schema]) => validateOneXml(xml, schema)));
      documents.forEach(([what, , schema], i) => expect(results[i]!.errors, `${what} against ${schema}`).toEqual([]));
    });
  });
});

describe("document locks from Python's own xmlrpc.client", () => {
  it("test-and-sets a lock, is refused a second one, sees the LOCK and unlocks", async () => {
    const { spawnSync, execFile } = await import("node:child_process");
    if (spawnSync("python3", ["-c", "print(1)"]).status !== 0) {
      console.warn("python3 is not available: skipping the Python client check");
      return;
    }
    const clock = fakeClock(CLOCK_START);
    await withSim({ clock, delays: "instant" }, async (_one, sim) => {
      const script = `
import sys, xmlrpc.client
S = "oneadmin:opennebula"
one = xmlrpc.client.ServerProxy(sys.argv[1]).one
doc = one.document.allocate(S, 'NAME="hyperplan-lock"\\nRUN="r-1"', 1207)
print(doc)
print(one.document.lock(S, doc[1], 4, True))
print(one.document.lock(S, doc[1], 4, True))
info = one.document.info(S, doc[1])[1]
print(info[info.index("<LOCK>"):info.index("</LOCK>") + 7].split("<REQ_ID>")[0])
print(one.document.update(S, doc[1], 'RUN="r-2"', 1))
print(one.document.unlock(S, doc[1]))
print(one.document.update(S, doc[1], 'RUN="r-2"', 1))
print(one.documentpool.info(S, -2, -1, -1, 1207)[1].count("<DOCUMENT>"))
`;
      const out = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        execFile("python3", ["-c", script, sim.url], { encoding: "utf8", timeout: 20_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${error.message}\n${stderr}`));
          else resolve({ stdout, stderr });
        });
      });
      expect(out.stderr).toBe("");
      expect(out.stdout.trim().split("\n")).toEqual([
        "[True, 0, 0]",
        "[True, 0, 0]",
        "[False, '[one.document.lock] 1768467600', 2048, -1, 0]",
        "<LOCK><LOCKED>1</LOCKED><OWNER>0</OWNER><TIME>1768467600</TIME>",
        "[False, '[one.document.update] User [0] : DOCUMENT is locked. [0].', 512, -1, 0]",
        "[True, 0, 0]",
        "[True, 0, 0]",
        "1",
      ]);
    });
  });
});

describe("parameters of the lock and document calls", () => {
  it("are type-checked before the object is looked up, as xmlrpc-c reads them first", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const calls: [string, (string | number | boolean)[], string][] = [
        ["one.document.lock", [99, "1"], "Parameter that is supposed to be integer is not"],
        ["one.document.lock", [99, 1, 1], "Parameter that is supposed to be boolean is not"],
        ["one.vm.lock", [99], "Not enough parameters"],
        ["one.document.update", [99, 1], "Parameter that is supposed to be a string is not"],
        ["one.document.allocate", ['NAME="x"'], "Not enough parameters"],
        ["one.document.rename", [99], "Not enough parameters"],
      ];
      for (const [method, params, message] of calls) {
        expect(await callRaw(one.sim.url, method, params)).toMatchObject({ fault: true, code: -501, message });
      }
    });
  });
});
