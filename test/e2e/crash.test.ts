/**
 * Crash safety for every backend in `FIXTURES`: apply killed with SIGKILL at several points (and a
 * destroy killed halfway) against a simulator in its own process, then run again, converges with
 * every object once (`./scenarios/crash.ts`). A file of its own, so it runs beside the other
 * scenarios (`backends.test.ts`): it is the longest.
 */
import { describe } from "vitest";
import { describeCrashes } from "./scenarios/crash";
import { FIXTURES } from "./scenarios/fixtures";

for (const fixture of FIXTURES) {
  describe(fixture.title, () => describeCrashes(fixture));
}
