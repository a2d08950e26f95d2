import { describeScenarios } from "../scenarios/suites";

describeScenarios("xenserver");
