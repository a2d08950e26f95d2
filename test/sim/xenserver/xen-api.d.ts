// The npm `xen-api` package ships no types; the fidelity test declares the one entry it uses.
declare module "xen-api" {
  export function createClient(options: Record<string, unknown>): unknown;
}
