/** The backends the end-to-end scenarios run for: one fixture each. */
import type { BackendFixture } from "./fixture";
import { openNebulaFixture } from "./opennebula.fixture";
import { xenServerFixture } from "./xenserver.fixture";
import { gandiFixture } from "./gandi.fixture";
import { openVzFixture } from "./openvz.fixture";

export const FIXTURES: readonly BackendFixture[] = [
  openNebulaFixture,
  xenServerFixture,
  gandiFixture,
  openVzFixture,
];
