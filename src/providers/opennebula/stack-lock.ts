/**
 * A stack's lock on OpenNebula: a document of its own type, locked with test-and-set.
 *
 * FACTS.md §9: `one.document.lock(id, level, test=true)` fails with ACTION when the document is locked
 * already, so two runs cannot both take it; the document then carries `<LOCK>` with the lock's TIME.
 * The lock is taken at level ADMIN (3), which blocks only admin operations on the document, so the
 * run that holds it can still write who it is into the document's template (an update is a MANAGE
 * operation) right after taking it.
 *
 * One document per stack, found by its tags among the documents of LOCK_DOCUMENT_TYPE and made on the
 * first apply. Two first applies may each make one: both then use the one with the lowest id, and the
 * other is deleted by whoever made it, before either tries to lock — so there is always one lock.
 * The document stays when the lock is released: the next run reuses it.
 */
import type { LockAttempt, LockHolder, LockState, StackLocks } from "../../planner/stack-lock.js";
import type { Retrier } from "../../core/retry.js";
import type { OneClient } from "./client.js";
import { resultId } from "./client.js";
import { OneApiError } from "./errors.js";
import { TransportError } from "../kit/http-transport.js";
import { ownershipAttributes, readOwnershipTag } from "./ownership.js";
import { documentFromNode, parseDocumentPool, type DocumentRecord } from "./records.js";
import { templateGet, serializeTemplate, type Template } from "./template-syntax.js";
import { parseXmlDocument } from "./xml-node.js";

/**
 * The document type of stack locks: an application's own number (OneFlow uses 100 and 101), so
 * listing them never reads anyone else's documents.
 */
export const LOCK_DOCUMENT_TYPE = 7300;
/** The kind in a lock document's ownership tag. */
export const LOCK_KIND = "StackLock";
/** FACTS.md §9 levels: 3 ADMIN blocks admin operations only. */
const ADMIN_LEVEL = 3;

/** The template attributes that say who holds the lock. */
const HOLDER = { who: "HOLDER", host: "HOLDER_HOST", pid: "HOLDER_PID", command: "HOLDER_COMMAND", job: "HOLDER_JOB", run: "HOLDER_RUN" } as const;

/**
 * How many VMs the stack owned when an apply last knew (at its end), kept in the stack's document:
 * a plan that finds the stack's VMs by their label and finds fewer reads the whole pool instead, so a
 * label removed by hand cannot hide a VM (reader.ts).
 */
const VM_COUNT = "HYPERPLAN_VMS";

function vmCountOf(doc: DocumentRecord | undefined): number | undefined {
  const value = doc === undefined ? undefined : templateGet(doc.template, VM_COUNT);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The stack's document: the lowest id among the documents tagged for it. */
async function findStackDocument(client: OneClient, retrier: Pick<Retrier, "run">, stack: string): Promise<DocumentRecord | undefined> {
  const xml = await retrier.run("one.documentpool.info", () => client.call("one.documentpool.info", -2, -1, -1, LOCK_DOCUMENT_TYPE));
  const mine = parseDocumentPool(String(xml)).filter((d) => {
    const tag = readOwnershipTag(d.template);
    return tag?.stack === stack && tag.kind === LOCK_KIND;
  });
  return mine.sort((a, b) => a.id - b.id)[0];
}

/** The number of VMs the stack's document records, if an apply recorded one. */
export async function recordedVmCount(client: OneClient, retrier: Pick<Retrier, "run">, stack: string): Promise<number | undefined> {
  return vmCountOf(await findStackDocument(client, retrier, stack));
}

export class OpenNebulaStackLocks implements StackLocks {
  constructor(
    private readonly client: OneClient,
    private readonly retrier: Pick<Retrier, "run">,
    /** The stack's VMs as this run knows them when it releases its lock (the provider's count), if it does. */
    private readonly vmCount: (stack: string) => number | undefined = () => undefined,
  ) {}

  async tryAcquire(stack: string, holder: LockHolder): Promise<LockAttempt> {
    const doc = (await this.find(stack)) ?? (await this.create(stack));
    try {
      // Sent once: a second test-and-set after a lost answer would find this run's own lock taken.
      await this.client.call("one.document.lock", doc.id, ADMIN_LEVEL, true);
    } catch (error) {
      if (error instanceof OneApiError && error.codeName === "ACTION") return this.held(doc.id);
      if (error instanceof TransportError && !error.mayHaveActed) return this.tryAcquire(stack, holder);
      throw error;
    }
    await this.write(doc.id, stack, holder, vmCountOf(doc));
    return { acquired: true };
  }

  async release(stack: string, holder: LockHolder): Promise<void> {
    const doc = await this.find(stack);
    if (!doc) return;
    const current = await this.info(doc.id);
    // Someone removed this run's lock (`hyperplan unlock`) and another run may hold it now: not ours to touch.
    if (current.lock && templateGet(current.template, HOLDER.run) !== holder.run) return;
    await this.write(doc.id, stack, undefined, this.vmCount(stack) ?? vmCountOf(current));
    await this.retrier.run("one.document.unlock", () => this.client.call("one.document.unlock", doc.id));
  }

  async inspect(stack: string): Promise<LockState> {
    const doc = await this.find(stack);
    if (!doc) return { held: false };
    return this.state(await this.info(doc.id));
  }

  async forceRelease(stack: string): Promise<void> {
    const doc = await this.find(stack);
    if (!doc) return;
    await this.retrier.run("one.document.unlock", () => this.client.call("one.document.unlock", doc.id));
    await this.write(doc.id, stack, undefined, vmCountOf(doc));
  }

  private async held(id: number): Promise<LockAttempt> {
    const state = this.state(await this.info(id));
    // Unlocked between the two calls: the next attempt will tell.
    if (!state.held) return { acquired: false, since: Date.now() };
    return { acquired: false, since: state.since, ...(state.holder ? { holder: state.holder } : {}) };
  }

  private state(doc: DocumentRecord): LockState {
    if (!doc.lock) return { held: false };
    const holder = holderOf(doc.template);
    return { held: true, since: doc.lock.time * 1000, ...(holder ? { holder } : {}) };
  }

  private find(stack: string): Promise<DocumentRecord | undefined> {
    return findStackDocument(this.client, this.retrier, stack);
  }

  private async create(stack: string): Promise<DocumentRecord> {
    const template: Template = [{ name: "NAME", value: `hyperplan-lock-${stack}` }, ...ownershipAttributes({ stack, address: stack, kind: LOCK_KIND })];
    // An allocate whose answer is lost is not sent again: the look-up below finds what it made.
    let made: number | undefined;
    try {
      made = resultId("one.document.allocate", await this.client.call("one.document.allocate", serializeTemplate(template), LOCK_DOCUMENT_TYPE));
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
    }
    const first = await this.find(stack);
    if (!first) throw new OneApiError("one.document.allocate", 0x4000, `the lock document of stack "${stack}" could not be made`, -1);
    // Another run made one too, earlier: that one is the lock; ours goes.
    if (made !== undefined && made !== first.id) await this.retrier.run("one.document.delete", () => this.client.call("one.document.delete", made));
    return first;
  }

  private async info(id: number): Promise<DocumentRecord> {
    const xml = await this.retrier.run("one.document.info", () => this.client.call("one.document.info", id));
    return documentFromNode(parseXmlDocument(String(xml), "DOCUMENT"));
  }

  /** The document's whole template: the tags, the stack's VM count, and who holds the lock when someone does. */
  private async write(id: number, stack: string, holder: LockHolder | undefined, vms: number | undefined): Promise<void> {
    const template: Template = ownershipAttributes({ stack, address: stack, kind: LOCK_KIND });
    if (vms !== undefined) template.push({ name: VM_COUNT, value: String(vms) });
    if (holder) {
      template.push(
        { name: HOLDER.who, value: holder.who },
        { name: HOLDER.host, value: holder.host },
        { name: HOLDER.pid, value: String(holder.pid) },
        { name: HOLDER.command, value: holder.command },
        { name: HOLDER.run, value: holder.run },
        ...(holder.job ? [{ name: HOLDER.job, value: holder.job }] : []),
      );
    }
    const text = serializeTemplate(template);
    await this.retrier.run("one.document.update", () => this.client.call("one.document.update", id, text, 0));
  }
}

function holderOf(template: Template): LockHolder | undefined {
  const who = templateGet(template, HOLDER.who);
  const run = templateGet(template, HOLDER.run);
  if (who === undefined || run === undefined) return undefined;
  const job = templateGet(template, HOLDER.job);
  return {
    who,
    host: templateGet(template, HOLDER.host) ?? "",
    pid: Number(templateGet(template, HOLDER.pid) ?? Number.NaN),
    command: templateGet(template, HOLDER.command) ?? "hyperplan",
    run,
    ...(job ? { job } : {}),
  };
}
