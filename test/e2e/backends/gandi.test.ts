import { describeScenarios } from "../scenarios/suites";

describeScenarios("gandi");
