import type { Command } from "../command.js";
import { applyCommand, destroyCommand } from "./apply.js";
import { demoCommand } from "./demo.js";
import { outputCommand } from "./output.js";
import { planCommand } from "./plan.js";
import { showCommand } from "./show.js";
import { stateCommand } from "./state.js";
import { graphCommand } from "./graph.js";
import { importCommand } from "./import.js";
import { simCommand } from "./sim.js";
import { synthCommand } from "./synth.js";
import { unlockCommand } from "./unlock.js";
import { validateCommand } from "./validate.js";

/** Every command the CLI knows, in the order `--help` lists them. */
export const commands: Command[] = [validateCommand, synthCommand, planCommand, applyCommand, destroyCommand, outputCommand, stateCommand, importCommand, graphCommand, showCommand, unlockCommand, simCommand, demoCommand];
