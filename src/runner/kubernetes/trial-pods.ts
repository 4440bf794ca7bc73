import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BoundedLogFile } from '../bounded-log-file.js';
import { OutputTail } from '../output-tail.js';
import type { LineListener } from '../trial-runner.js';
import type { Json } from './kube-api.js';
import type { KubernetesRunnerSettings } from './kubernetes-trial.js';
import { type ContainerPhase, LogFollower } from './log-follower.js';
import type { WatchChange } from './object-watch.js';

/**
 * A trial's pods as the pod watch reports them, and their output: the primary container's log of
 * each pod, followed as soon as the pod appears, delivered line by line to the listeners, kept in
 * the tail and written to stdout.log (the API serves a container's stdout and stderr as one log).
 */
export class TrialPods {
  readonly #s: KubernetesRunnerSettings;
  readonly #primaryContainer: string | undefined;
  readonly #listeners: LineListener[] = [];
  readonly #tail: OutputTail;
  readonly #pods = new Map<string, Json>();
  readonly #followers = new Map<string, LogFollower>();
  #namespace = '';
  #log: BoundedLogFile | undefined;

  constructor(settings: KubernetesRunnerSettings, primaryContainer: string | undefined) {
    this.#s = settings;
    this.#primaryContainer = primaryContainer;
    this.#tail = new OutputTail(settings.tailBytes);
  }

  addListener(listener: LineListener): void {
    this.#listeners.push(listener);
  }

  tail(): string {
    return this.#tail.text();
  }

  get logFileError(): string | undefined {
    return this.#log?.error;
  }

  /** The pods last seen (for the exit code of the primary container). */
  pods(): Json[] {
    return [...this.#pods.values()];
  }

  /** True while a pod of the trial has not ended (a suspended Job's pods are deleted, ended ones stay). */
  running(): boolean {
    return this.pods().some(
      (p) => !['Succeeded', 'Failed'].includes(String((p.status as Json | undefined)?.phase)),
    );
  }

  /** Creates `dir`/stdout.log (and an empty stderr.log); a message when it cannot. */
  async openLogFiles(dir: string): Promise<string | undefined> {
    try {
      await mkdir(dir, { recursive: true });
      this.#log = await BoundedLogFile.open(join(dir, 'stdout.log'), this.#s.logFileMaxBytes);
      await (await BoundedLogFile.open(join(dir, 'stderr.log'), 1)).close();
      return undefined;
    } catch (err) {
      return `log file in ${JSON.stringify(dir)} could not be created: ${(err as Error).message}`;
    }
  }

  changed(change: WatchChange, pod: Json, namespace: string): void {
    this.#namespace = namespace;
    const name = String((pod.metadata as Json).name);
    if (change === 'delete') this.#pods.delete(name);
    else this.#pods.set(name, pod);
    if (change === 'delete' || this.#followers.has(name)) return;
    const containers = ((pod.spec as Json | undefined)?.containers ?? []) as Json[];
    const primary =
      this.#primaryContainer ?? (containers.length === 1 ? String(containers[0]!.name) : undefined);
    if (primary === undefined || !containers.some((c) => c.name === primary)) return;
    const follower = new LogFollower({
      kubeConfig: this.#s.api.kubeConfig,
      namespace: this.#namespace,
      pod: name,
      container: primary,
      maxLineBytes: this.#s.maxLineBytes,
      retryMs: this.#s.retryMs,
      phase: () => this.#containerPhase(name, primary),
      onError: (message) => this.#s.onWarning(message),
      onLine: (line, truncated, bytes) => this.#deliver(line, truncated, bytes),
    });
    this.#followers.set(name, follower);
  }

  /**
   * Waits, at most `logDrainMs`, for the followers to read their containers' logs to the end
   * (`finished`: the resource ended by itself); otherwise stops them at once.
   */
  async drain(finished: boolean): Promise<void> {
    if (!finished) this.stop();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#s.logDrainMs);
    });
    await Promise.race([Promise.all([...this.#followers.values()].map((f) => f.done)), limit]);
    clearTimeout(timer);
  }

  stop(): void {
    for (const follower of this.#followers.values()) follower.stop();
  }

  async close(): Promise<void> {
    this.stop();
    await this.#log?.close();
  }

  #containerPhase(podName: string, container: string): ContainerPhase {
    const pod = this.#pods.get(podName);
    if (!pod) return 'gone';
    const statuses = ((pod.status as Json | undefined)?.containerStatuses ?? []) as Json[];
    const state = statuses.find((s) => s.name === container)?.state as Json | undefined;
    if (state?.terminated) return 'terminated';
    if (state?.running) return 'running';
    const phase = (pod.status as Json | undefined)?.phase;
    return phase === 'Succeeded' || phase === 'Failed' ? 'terminated' : 'waiting';
  }

  #deliver(line: string, truncated: boolean, bytes: number): void {
    this.#tail.push(line, bytes);
    this.#log?.write(Buffer.from(`${line}\n`));
    for (const listener of this.#listeners) {
      try {
        listener(line, 'stdout', truncated);
      } catch (err) {
        this.#s.onListenerError(err);
      }
    }
  }
}
