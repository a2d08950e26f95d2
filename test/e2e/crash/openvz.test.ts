import { describeCrashScenarios } from "../scenarios/suites";

describeCrashScenarios("openvz");
