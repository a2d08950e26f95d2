/**
 * What an end-to-end scenario needs from a backend. The scenarios (`./lifecycle.ts`, `./drift.ts`,
 * `./saved-plan.ts`, `./concurrent.ts`, `./crash.ts`) are written once against this interface; a
 * backend takes part by one fixture file (`./opennebula.fixture.ts`) listed in `./fixtures.ts`.
 *
 * Everything a scenario asserts that only one backend says (its plan wording, its operations, its
 * states) comes from the fixture; what every backend says (the plan summary line, the apply events,
 * the lock and saved-plan refusals) is asserted by the scenario itself.
 */
import type { ApplyEvent } from "../../../src/planner/events";

export type { ApplyEvent };

/** How many changes of each action a plan holds (the plan document's `summary`). */
export interface PlanCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
}

/** Edits of the lab a scenario applies, each on its own to the lab as created. */
export const EDIT_NAMES = ["memoryChanged", "descriptionChanged", "diskAdded", "nicAdded", "replaceForced", "vmRemoved"] as const;
export type EditName = (typeof EDIT_NAMES)[number];

/** Changes made by hand in the cloud, each on its own to the lab as created. */
export const DRIFT_NAMES = ["vmRenamed", "memoryChanged", "poweredOff", "vmDestroyed", "diskDetached", "nicUnplugged"] as const;
export type DriftName = (typeof DRIFT_NAMES)[number];

/** One edit of the lab's stack file. */
export interface StackEdit {
  /** What it changes, in the backend's terms, for the test's name ("lab-2's memory 1024 → 2048 MiB"). */
  what: string;
  /** The stack file's source with the edit made (throws when its anchor is not in `source`). */
  edit(source: string): string;
  /** The plan from the lab as created to the edited stack. */
  plan: PlanCounts;
  /** What apply prints for it (plan and progress, text form) in the backend's words. */
  says: string[];
  /** Addresses the edit declares no more (their objects must be gone) or anew (they must be there). */
  removes?: string[];
  adds?: string[];
}

/** One change made by hand, through the simulator's wire, by a client that is not hyperplan's. */
export interface Drift {
  what: string;
  /** Makes the change on the lab as created and returns once the cloud has settled. */
  make(hand: CloudHand): Promise<void>;
  /** The plan that brings the lab back. */
  plan: PlanCounts;
  /** What that plan prints for it, in the backend's words. */
  says: string[];
}

/** An object the stack does not own, made by hand under a name the lab declares. */
export interface ForeignObject {
  /** For messages: what it is and its id. */
  label: string;
  /** The backend's id, as a plan would show it. */
  id: string;
}

/** A client of the simulator's own wire (not hyperplan's provider): reads, drift, foreign objects. */
export interface CloudHand {
  /**
   * The address of every live object carrying the lab's ownership tags, once per object (a
   * duplicate shows twice), sorted; what the cloud keeps only as the record of a deleted object
   * (OpenNebula's VMs in DONE) is left out.
   */
  owned(): Promise<string[]>;
  /** Makes an object the stack does not own under one of the lab's names. */
  makeForeign(): Promise<ForeignObject>;
  /** Whether that object still exists, as it was made. */
  exists(foreign: ForeignObject): Promise<boolean>;
  /**
   * Removes the ownership tags of the object at `address` by hand, as a person would in the cloud's
   * own tool; the object stays as it is otherwise. Absent where the stack cannot adopt objects.
   */
  untag?(address: string): Promise<void>;
}

/** How fast the simulated cloud moves: presets every simulator has. */
export type Pace = "instant" | "fast";

/** A simulator running for a scenario, wherever it runs. */
export interface RunningCloud {
  /** The environment that points hyperplan at it (credentials files are written into the scenario's folder). */
  env: Record<string, string>;
  hand: CloudHand;
  /** Stops it; its world is saved to its state file, if it has one. */
  stop(): Promise<void>;
}

export interface CloudOptions {
  /** The scenario's folder (for credentials files). */
  dir: string;
  /** The world file to load and keep; none: a world in memory. */
  stateFile?: string;
  pace: Pace;
  /**
   * The pool read of VMs slowed (about 150 ms) so that two applies started together would both read
   * "nothing there yet" if nothing kept them apart.
   */
  slowVmReads?: boolean;
  /** Deleting a VM takes seconds (the window a destroy is killed in: `BackendFixture.destroyKill`). */
  slowVmDeletes?: boolean;
}

export interface BackendFixture {
  /** The backend's settings key (`opennebula`). */
  name: string;
  /** For test names (`OpenNebula`). */
  title: string;

  /** The lab: a network, a base image, three VMs from it, one of them with a data disk, an output. */
  lab: {
    /** Its stack name. */
    stack: string;
    /** The stack file (TypeScript, importing from "hyperplan"). */
    source(): string;
    /** Every declared address, sorted: what a plan from empty creates and what the cloud then holds. */
    addresses: string[];
    /** The VMs' addresses, in declaration order. */
    vms: string[];
    /** Pairs [needed, user]: a plan from empty creates `needed` first, a destroy deletes `user` first. */
    dependencies: [string, string][];
    /** An output the lab publishes once applied, and the form of its value. */
    output?: { name: string; value: RegExp };
    /** The edits this backend carries out; a missing one is reported as a skipped test. */
    edits: Partial<Record<EditName, StackEdit>>;
    /**
     * A VM of the lab that a scenario adopts with `importId` after its tags were removed by hand:
     * its address, the stack file with `importId: id` on its declaration, and an id no object of its
     * kind has.
     */
    importVm: { address: string; declare(source: string, id: string): string; missingId: string };
    /** `--replace ADDRESS`: the object forced, and what the plan says of it. */
    forcedReplace?: { address: string; says: RegExp[] };
  };

  /** `--simulate`: the backend's simulator in hyperplan's process, its world beside the stack file. */
  simulate: {
    /** The environment that sets its pace (HYPERPLAN_SIM_DELAYS). */
    env(pace: Pace): Record<string, string>;
    /** The first line of a plan, naming the simulator it read. */
    firstLine: RegExp;
  };
  /** The simulator in this (the test's) process. */
  startHere(options: CloudOptions): Promise<RunningCloud>;
  /** The simulator in a process of its own (`hyperplan sim <name>`), which outlives a killed apply. */
  startProcess(options: CloudOptions & { stateFile: string }): Promise<RunningCloud>;

  /** The drifts this backend's cloud can be given by hand; a missing one is reported as skipped. */
  drifts: Partial<Record<DriftName, Drift>>;

  /**
   * Whether the stack lock says who holds it (default true). A cloud with nowhere to write it
   * (Gandi: the lock is a disk's unique name) refuses the second run all the same, naming no holder.
   */
  lockNamesHolder?: boolean;

  /** When to kill a destroy of the lab, in a cloud started with `slowVmDeletes` (none: skipped). */
  destroyKill?: { what: string; when(event: ApplyEvent): boolean };
}
