import { describe, expect, it } from "vitest";
import { decodeResponse } from "../../src/xmlrpc/decode";
import { encodeResponse } from "../../src/xmlrpc/encode";
import { EscapedString } from "../../src/xmlrpc/values";

/** A VM pool document of `count` VMs, a few hundred bytes each, with CDATA like oned writes. */
function vmPool(count: number, extra = ""): string {
  let xml = "<VM_POOL>";
  for (let id = 0; id < count; id++) {
    xml +=
      `<VM><ID>${id}</ID><NAME>web-${id}</NAME><STATE>3</STATE><LCM_STATE>3</LCM_STATE>` +
      `<TEMPLATE><CPU><![CDATA[0.5]]></CPU><CONTEXT><SSH_PUBLIC_KEY><![CDATA[ssh-ed25519 AAAA "me" & you${extra}]]>` +
      `</SSH_PUBLIC_KEY></CONTEXT></TEMPLATE><USER_TEMPLATE><NOTE><![CDATA[a\r\nb]]></NOTE></USER_TEMPLATE></VM>`;
  }
  return `${xml}</VM_POOL>`;
}

describe("large responses", () => {
  it("decodes a multi-megabyte pool response, escaped and unescaped", () => {
    const pool = vmPool(12_000);
    const xml = encodeResponse([true, pool, 0]);
    expect(xml.length).toBeGreaterThan(4_000_000);

    const full = decodeResponse(xml);
    expect(full).toEqual({ fault: false, value: [true, pool, 0] });

    const kept = decodeResponse(xml, { keepEscaped: true });
    if (kept.fault) throw new Error("unexpected fault");
    const doc = (kept.value as [boolean, EscapedString, number])[1];
    expect(doc).toBeInstanceOf(EscapedString);
    expect(doc.raw.length).toBeGreaterThan(4_000_000);
    expect(doc.toString()).toBe(pool);
    // Encoding it again emits the same bytes.
    expect(encodeResponse(kept.value)).toBe(xml);
  });

  it("decodes a large document holding characters beyond Latin-1", () => {
    const pool = vmPool(3_000, " é☃😀 &#x1F600;");
    const xml = encodeResponse([true, pool, 0]);
    expect(decodeResponse(xml)).toEqual({ fault: false, value: [true, pool, 0] });
  });
});
