import { describeCrashScenarios } from "../scenarios/suites";

describeCrashScenarios("xenserver");
