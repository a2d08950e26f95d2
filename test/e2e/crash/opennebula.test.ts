import { describeCrashScenarios } from "../scenarios/suites";

describeCrashScenarios("opennebula");
