// Parsing and indexing untrusted repositories off the app's main event loop: a worker thread does
// the work, with a time budget per file and per repository and a memory limit. A budget exceeded
// terminates the worker (the next repository gets a fresh one) and fails that repository alone with
// an error naming the file and why; /healthz, webhooks and the API keep answering meanwhile.

import { Worker } from "node:worker_threads";
import { HclSyntaxError } from "../hcl/errors.ts";
import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { GroupFixPlan } from "../remediate/plan-fix.ts";
import type { JoinBasis } from "../remediate/plan-join.ts";
import type { RuleOptions } from "../rules/registry.ts";
import { siblingModule } from "../runtime/module-url.ts";
import type { WorkerReply, WorkerRequest } from "./protocol.ts";

export interface IndexBudgets {
  /** Longest one file may take to parse (a 4 MB file of interpolations, the worst allowed, takes ~6 s). */
  perFileMs: number;
  /** Longest one repository may take in all. */
  perRepositoryMs: number;
  /** The worker's heap limit. */
  maxMemoryMb: number;
}

export const DEFAULT_BUDGETS: IndexBudgets = {
  perFileMs: 30_000,
  perRepositoryMs: 120_000,
  maxMemoryMb: 2048,
};

/** A repository that could not be indexed (or fixed): which one, the file it stopped on (if any) and why. */
export class RepositoryIndexError extends Error {
  readonly code = "INDEX_FAILED";
  constructor(
    readonly repository: string,
    readonly file: string | undefined,
    readonly reason: string,
    what: "indexed" | "fixed" = "indexed",
  ) {
    super(`${repository} could not be ${what}: ${file ? `${file}: ` : ""}${reason}`);
    this.name = "RepositoryIndexError";
  }
}

const seconds = (ms: number) => `${ms / 1000} s`;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
const BOOT = new URL("./worker-boot.mjs", import.meta.url);
// The worker module next to this one: index-worker.ts from the sources, index-worker.js from dist/.
const ENTRY = siblingModule(import.meta.url, "./index-worker").href;

export class IndexSandbox {
  readonly #budgets: IndexBudgets;
  #worker: Worker | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;

  constructor(budgets: Partial<IndexBudgets> = {}) {
    this.#budgets = { ...DEFAULT_BUDGETS, ...budgets };
  }

  /** The index of `files` of `repository` (owner/name), built in the worker; one request at a time. */
  index(repository: string, files: SourceFile[], key = repository): Promise<TerraformIndex> {
    return this.#enqueue(repository, { kind: "index", key, files }, "indexed").then((m) => {
      if (m.kind !== "indexed") throw new Error(`unexpected reply ${m.kind}`);
      const errors = m.errors.map((e) => new HclSyntaxError(e.file, e.line, e.column, e.reason));
      return { ...m.index, errors };
    });
  }

  /** The fix plan for `group` in the snapshot `key` (repository@sha), computed in the worker. */
  plan(
    repository: string,
    key: string,
    files: SourceFile[],
    group: TriagedFinding[],
    ruleOptions?: RuleOptions,
    /** The plan of the group's members but the last, to plan the last one's fix on top of. */
    on?: JoinBasis,
  ): Promise<GroupFixPlan> {
    const request = { kind: "plan" as const, key, files, group, ruleOptions, ...(on ? { on } : {}) };
    return this.#enqueue(repository, request, "fixed").then((m) => {
      if (m.kind !== "planned") throw new Error(`unexpected reply ${m.kind}`);
      return m.plan;
    });
  }

  #enqueue(
    repository: string,
    request: DistributiveOmit<WorkerRequest, "id">,
    what: "indexed" | "fixed",
  ): Promise<WorkerReply> {
    const run = this.#queue.then(() => this.#run(repository, request, what));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #spawn(): Worker {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY },
      resourceLimits: { maxOldGenerationSizeMb: this.#budgets.maxMemoryMb },
    });
    worker.unref(); // an idle worker never keeps the process alive
    return worker;
  }

  #run(
    repository: string,
    request: DistributiveOmit<WorkerRequest, "id">,
    what: "indexed" | "fixed",
  ): Promise<WorkerReply> {
    const { perFileMs, perRepositoryMs, maxMemoryMb } = this.#budgets;
    this.#worker ??= this.#spawn();
    const worker = this.#worker;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      let file: string | undefined;
      let fileTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(fileTimer);
        clearTimeout(repositoryTimer);
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      };
      const fail = (reason: string) => {
        finish();
        if (this.#worker === worker) this.#worker = undefined;
        reject(new RepositoryIndexError(repository, file, reason, what));
      };
      const stop = (reason: string) => {
        fail(reason);
        void worker.terminate();
      };
      const repositoryTimer = setTimeout(
        () =>
          stop(
            `${what === "indexed" ? "indexing" : "fixing"} took longer than ${seconds(perRepositoryMs)} (the time budget per repository)`,
          ),
        perRepositoryMs,
      );
      const onMessage = (m: WorkerReply) => {
        if (m.id !== id) return;
        if (m.kind === "file") {
          file = m.path;
          clearTimeout(fileTimer);
          fileTimer = setTimeout(
            () => stop(`parsing took longer than ${seconds(perFileMs)} (the time budget per file)`),
            perFileMs,
          );
          return;
        }
        finish();
        if (m.kind === "failed") return reject(new RepositoryIndexError(repository, file, m.message, what));
        resolve(m);
      };
      const onError = (e: Error & { code?: string }) =>
        stop(
          e.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? `parsing ran out of memory (the limit is ${maxMemoryMb} MB)`
            : `the indexing worker failed (${e.message})`,
        );
      const onExit = (code: number) => fail(`the indexing worker exited with code ${code}`);
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage({ ...request, id } satisfies WorkerRequest);
    });
  }
}
