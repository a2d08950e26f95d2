/**
 * The hosting account (seed 001): currency, balance, hosting_account_info, and buying, renewing,
 * updating and releasing products, each an operation; the free shares VMs are measured against.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningGandiSimulator } from "../../../src/sim/gandi/index";
import { STEADY, fakeClock, started, type Api } from "./helpers";

let sim: RunningGandiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function at(options: Parameters<typeof started>[0] = {}): Promise<Api> {
  const s = await started(options);
  sim = s.sim;
  return s.api;
}

describe("the Gandi hosting account", () => {
  it("has a currency, a prepaid balance and 4 shares bought for a year, none used", async () => {
    const api = await at();
    expect(await api.s("account_currency")).toBe("EUR");
    expect(await api.s("account_balance")).toBe(500);
    const info = await api.s<Record<string, unknown>>("hosting_account_info");
    expect(info).toMatchObject({ handle: "AA1234-GANDI", shares: 4, shares_used: 0, shares_free: 4, disk: 0, disk_used: 0, vm_count: 0 });
    expect(info.products).toEqual([{ id: 1000, product_name: "shares", quantity: 4, duration: "1y", state: "active", date_created: expect.any(Date), date_end: expect.any(Date) }]);
  });

  it("buys shares through an operation: charged at once, usable once the operation is DONE", async () => {
    const clock = fakeClock();
    const api = await at({ clock, delays: STEADY });
    const opid = await api.s<number>("hosting_account_product_add", "shares", 2, "3m");
    expect(await api.s("account_balance")).toBe(500 - 2 * 10 * 3);
    expect(await api.op(opid)).toMatchObject({ uid: opid, type: "hosting_account_product_add", state: "PENDING", param: { param_type: "product", product_id: 1001, product_name: "shares", quantity: 2, duration: "3m" } });
    expect(await api.s("hosting_account_info")).toMatchObject({ shares: 4, shares_free: 4 });
    clock.advance(1000);
    expect(await api.op(opid)).toMatchObject({ state: "RUN" });
    clock.advance(2000);
    expect(await api.op(opid)).toMatchObject({ state: "DONE" });
    expect(await api.s("hosting_account_info")).toMatchObject({ shares: 6, shares_free: 6 });
  });

  it("refuses bad products, durations, quantities and a balance too low", async () => {
    const api = await at();
    const cases: Array<[unknown[], number, string]> = [
      [["ram", 1, "1m"], 502030, "DataError: invalid value for product_name (shares, shares_fixed or disk) [product_name: ram]"],
      [["shares", 0, "1m"], 502030, "DataError: invalid value for quantity [quantity: 0]"],
      [["shares", 1, "1 month"], 502020, "DataError: invalid syntax for duration (e.g. 1m, 1y) [duration: 1 month]"],
      [["shares", 100, "1y"], 501050, "DataError: prepaid account balance too low (needs 12000.00 EUR, has 500.00 EUR) [login: AA1234-GANDI]"],
    ];
    for (const [params, code, text] of cases) {
      const fault = await api.fault("hosting_account_product_add", ...(params as never[]));
      expect([fault.code, fault.faultString]).toEqual([code, text]);
    }
    expect(await api.s("account_balance")).toBe(500);
  });

  it("updates, renews and releases flexible shares, never below what VMs use; fixed shares cannot be updated or released", async () => {
    const clock = fakeClock();
    const api = await at({ clock, delays: STEADY });
    const settle = () => clock.advance(10_000);
    await api.s("vm_create", "web1", "secret-pw", 111, 3, 1, {});
    expect(await api.s("hosting_account_info")).toMatchObject({ shares: 4, shares_used: 3, shares_free: 1 });
    const under = await api.fault("hosting_account_product_update", 1000, 2);
    expect([under.code, under.faultString]).toEqual([502034, "DataError: VMs use 3 shares, 2 would remain [quantity: 2]"]);
    expect((await api.fault("hosting_account_product_remove", 1000)).code).toBe(502034);
    expect((await api.fault("hosting_account_product_update", 4242, 2)).faultString).toBe("DataError: product does not exist [product_id: 4242]");
    const up = await api.s<number>("hosting_account_product_update", 1000, 6);
    // Busy: one operation at a time on a product.
    expect((await api.fault("hosting_account_product_renew", 1000, "1m")).code).toBe(502060);
    settle();
    expect(await api.op(up)).toMatchObject({ state: "DONE" });
    expect(await api.s("hosting_account_info")).toMatchObject({ shares: 6, shares_free: 3 });
    const renew = await api.s<number>("hosting_account_product_renew", 1000, "1m");
    // 500 EUR, less 2 shares for the 12 months left, less a month of 6 shares.
    expect(await api.s("account_balance")).toBe(500 - 240 - 60);
    settle();
    expect(await api.op(renew)).toMatchObject({ state: "DONE", type: "hosting_account_product_renew" });
    const fixed = await api.s<number>("hosting_account_product_add", "shares_fixed", 2, "1m");
    settle();
    expect(await api.op(fixed)).toMatchObject({ state: "DONE" });
    const fixedId = (await api.op(fixed)).param as { product_id: number };
    expect((await api.fault("hosting_account_product_update", fixedId.product_id, 3)).faultString).toBe(`DataError: fixed shares cannot be updated [product_id: ${fixedId.product_id}]`);
    expect((await api.fault("hosting_account_product_remove", fixedId.product_id)).code).toBe(502050);
    const add = await api.s<number>("hosting_account_product_add", "shares", 1, "1m");
    settle();
    const extra = ((await api.op(add)).param as { product_id: number }).product_id;
    const remove = await api.s<number>("hosting_account_product_remove", extra);
    // A pending release counts at once: the shares it frees are gone for new VMs already.
    expect(await api.s("hosting_account_info")).toMatchObject({ shares: 8, shares_used: 3 });
    settle();
    expect(await api.op(remove)).toMatchObject({ state: "DONE" });
    expect(await api.s("hosting_account_info")).toMatchObject({ shares: 8 });
  });
});
