/** The backends the end-to-end scenarios run for: one fixture each. */
import type { BackendFixture } from "./fixture";
import { openNebulaFixture } from "./opennebula.fixture";

export const FIXTURES: readonly BackendFixture[] = [
  openNebulaFixture,
  // xenServerFixture (./xenserver.fixture.ts) goes here once XenServer's plan and apply are in.
];
