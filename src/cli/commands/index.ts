import type { Command } from "../command";
import { applyCommand, destroyCommand } from "./apply";
import { demoCommand } from "./demo";
import { outputCommand } from "./output";
import { planCommand } from "./plan";
import { showCommand } from "./show";
import { stateCommand } from "./state";
import { graphCommand } from "./graph";
import { importCommand } from "./import";
import { simCommand } from "./sim";
import { synthCommand } from "./synth";
import { unlockCommand } from "./unlock";
import { validateCommand } from "./validate";

/** Every command the CLI knows, in the order `--help` lists them. */
export const commands: Command[] = [validateCommand, synthCommand, planCommand, applyCommand, destroyCommand, outputCommand, stateCommand, importCommand, graphCommand, showCommand, unlockCommand, simCommand, demoCommand];
