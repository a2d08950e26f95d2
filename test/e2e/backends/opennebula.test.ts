import { describeScenarios } from "../scenarios/suites";

describeScenarios("opennebula");
