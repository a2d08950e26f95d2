// The settings types of every backend, for stack files that type their provider settings.
export type { OpenNebulaSettings } from "../providers/opennebula/settings.js";
export type { XenServerSettings } from "../providers/xenserver/settings.js";
export type { GandiSettings } from "../providers/gandi/settings.js";
