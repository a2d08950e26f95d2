import { describeScenarios } from "../scenarios/suites";

describeScenarios("openvz");
