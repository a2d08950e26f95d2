import { describeCrashScenarios } from "../scenarios/suites";

describeCrashScenarios("gandi");
