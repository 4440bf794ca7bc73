/**
 * STAND-IN, for tests only: the kubelet of a stand-in Kubernetes cluster (see
 * fake-kube-apiserver.ts). It runs each container's command and args as a real local process
 * (there are no images here: a container without a command cannot start), with the container's
 * env (`$(VAR)` expanded, fieldRef metadata.name/namespace/labels) and PATH, keeps its output as
 * the container log with RFC 3339 nano time stamps, reports waiting/running/terminated states,
 * exit codes (128+n for signal n) and the pod's phase (restartPolicy Never or OnFailure), stops a
 * deleted pod with SIGTERM, then SIGKILL after its grace period, and fails a pod past its
 * activeDeadlineSeconds (reason DeadlineExceeded). An image named NEVER_STARTS_IMAGE never pulls.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Obj, ObjectStore, ResourceType } from './fake-kube-apiserver-store.js';

export interface LogEntry {
  time: string;
  text: string;
}

/** One container's log as the kubelet keeps it; `done` once the container has terminated. */
export interface ContainerLog {
  entries: LogEntry[];
  done: boolean;
  changed: Set<() => void>;
}

/** An image the stand-in kubelet never manages to pull: the container stays waiting. */
export const NEVER_STARTS_IMAGE = 'stand-in/never-starts';

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class FakeKubelet {
  readonly #store: ObjectStore;
  readonly #pods: ResourceType;
  readonly #logs = new Map<string, ContainerLog>();
  readonly #processes = new Map<string, Set<ChildProcess>>();
  readonly #later: (fn: () => void, ms?: number) => void;
  #lastNs = 0n;

  constructor(store: ObjectStore, pods: ResourceType, later: (fn: () => void, ms?: number) => void) {
    this.#store = store;
    this.#pods = pods;
    this.#later = later;
  }

  log(podUid: string, container: string): ContainerLog | undefined {
    return this.#logs.get(`${podUid}/${container}`);
  }

  stop(): void {
    for (const set of this.#processes.values()) for (const child of set) kill(child, 'SIGKILL');
  }

  /** A pod was created (`runPod`) or marked for deletion (`stopPod`). */
  runPod(pod: Obj): void {
    this.#runPod(pod);
  }

  stopPod(pod: Obj): void {
    this.#stopPod(pod);
  }

  #setPod(pod: Obj, change: (p: Obj) => void): void {
    this.#store.update(this.#pods, pod.metadata.namespace, pod.metadata.name, (p) => {
      if (p.metadata.uid === pod.metadata.uid) change(p);
    });
  }

  #runPod(pod: Obj): void {
    const containers: Obj[] = pod.spec.containers ?? [];
    const statuses = containers.map((c) => ({
      name: c.name,
      image: c.image,
      ready: false,
      restartCount: 0,
      state: {
        waiting: { reason: c.image === NEVER_STARTS_IMAGE ? 'ImagePullBackOff' : 'ContainerCreating' },
      },
    }));
    this.#setPod(pod, (p) => {
      p.status = { phase: 'Pending', containerStatuses: statuses, podIP: '127.0.0.1' };
    });
    if (containers.some((c) => c.image === NEVER_STARTS_IMAGE)) return;
    const deadline = pod.spec.activeDeadlineSeconds;
    if (deadline !== undefined) this.#later(() => this.#podDeadline(pod), deadline * 1000);
    this.#later(() => {
      for (const container of containers) this.#startContainer(pod, container);
    }, 5);
  }

  #startContainer(pod: Obj, container: Obj): void {
    const current = this.#store.get(this.#pods, pod.metadata.namespace, pod.metadata.name);
    if (!current || current.metadata.deletionTimestamp) return;
    const logKey = `${pod.metadata.uid}/${container.name}`;
    const log: ContainerLog = this.#logs.get(logKey) ?? { entries: [], done: false, changed: new Set() };
    log.done = false;
    this.#logs.set(logKey, log);
    const env = containerEnv(pod, container);
    const lookup = (n: string): string | undefined => env[n];
    const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a: string) =>
      expand(a, lookup),
    );
    const startedAt = now();
    if ((container.command ?? []).length === 0) {
      this.#terminated(
        pod,
        container.name,
        {
          exitCode: 128,
          reason: 'StartError',
          message: 'the stand-in kubelet runs only containers with a command',
        },
        startedAt,
      );
      return;
    }
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { PATH: process.env.PATH ?? '', HOSTNAME: pod.metadata.name, ...env },
      cwd: container.workingDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const set = this.#processes.get(pod.metadata.uid) ?? new Set();
    set.add(child);
    this.#processes.set(pod.metadata.uid, set);
    const pending = { stdout: '', stderr: '' };
    const append = (text: string): void => {
      log.entries.push({ time: this.#timestamp(), text });
      for (const listener of [...log.changed]) listener();
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (pending[stream] + chunk).split('\n');
        pending[stream] = lines.pop()!;
        for (const line of lines) append(line);
      });
    }
    child.on('error', () => {});
    this.#setPod(pod, (p) => {
      const s = p.status.containerStatuses.find((c: Obj) => c.name === container.name);
      s.state = { running: { startedAt } };
      s.ready = true;
      s.started = true;
      p.status.phase = 'Running';
      p.status.startTime ??= startedAt;
    });
    child.on('close', (code, signal) => {
      set.delete(child);
      for (const stream of ['stdout', 'stderr'] as const) if (pending[stream] !== '') append(pending[stream]);
      const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9);
      log.done = true;
      for (const listener of [...log.changed]) listener();
      this.#terminated(
        pod,
        container.name,
        { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' },
        startedAt,
      );
    });
  }

  #terminated(pod: Obj, name: string, how: Obj, startedAt: string): void {
    const current = this.#store.get(this.#pods, pod.metadata.namespace, pod.metadata.name);
    if (!current || current.metadata.uid !== pod.metadata.uid) return;
    const restart =
      pod.spec.restartPolicy === 'OnFailure' && how.exitCode !== 0 && !current.metadata.deletionTimestamp;
    this.#setPod(pod, (p) => {
      const s = p.status.containerStatuses.find((c: Obj) => c.name === name);
      const terminated = { ...how, startedAt, finishedAt: now() };
      s.ready = false;
      if (restart) {
        s.lastState = { terminated };
        s.restartCount++;
        s.state = { waiting: { reason: 'CrashLoopBackOff' } };
        return;
      }
      s.state = { terminated };
      const all = p.status.containerStatuses.map((c: Obj) => c.state.terminated);
      if (all.every(Boolean) && p.status.phase !== 'Failed') {
        p.status.phase = all.every((t: Obj) => t.exitCode === 0) ? 'Succeeded' : 'Failed';
      }
    });
    if (restart) {
      const container = pod.spec.containers.find((c: Obj) => c.name === name);
      this.#later(() => this.#startContainer(pod, container), 10);
    }
    if (current.metadata.deletionTimestamp && (this.#processes.get(pod.metadata.uid)?.size ?? 0) === 0)
      this.#store.finishDeletion(this.#pods, pod.metadata.namespace, pod.metadata.name);
  }

  #stopPod(pod: Obj): void {
    const running = this.#processes.get(pod.metadata.uid);
    if (!running || running.size === 0) {
      this.#store.finishDeletion(this.#pods, pod.metadata.namespace, pod.metadata.name);
      return;
    }
    for (const child of running) kill(child, 'SIGTERM');
    const grace = pod.metadata.deletionGracePeriodSeconds ?? 30;
    this.#later(() => {
      for (const child of running) kill(child, 'SIGKILL');
    }, grace * 1000);
  }

  #podDeadline(pod: Obj): void {
    const current = this.#store.get(this.#pods, pod.metadata.namespace, pod.metadata.name);
    if (!current || ['Succeeded', 'Failed'].includes(current.status?.phase)) return;
    this.#setPod(pod, (p) => {
      p.status.phase = 'Failed';
      p.status.reason = 'DeadlineExceeded';
      p.status.message = 'Pod was active on the node longer than the specified deadline';
    });
    for (const child of this.#processes.get(pod.metadata.uid) ?? []) kill(child, 'SIGKILL');
  }

  /** RFC 3339 with nanoseconds, trailing zeros trimmed as Go's RFC3339Nano does; always increasing. */
  #timestamp(): string {
    let ns = BigInt(Date.now()) * 1_000_000n;
    if (ns <= this.#lastNs) ns = this.#lastNs + 1n;
    this.#lastNs = ns;
    const seconds = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
    const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
    return `${seconds}${fraction ? `.${fraction}` : ''}Z`;
  }
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // gone
  }
}

/** The container's env as the kubelet builds it: in order, each value expanded with the ones before. */
function containerEnv(pod: Obj, container: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    let value: string | undefined = entry.value;
    const field = entry.valueFrom?.fieldRef?.fieldPath as string | undefined;
    if (field === 'metadata.name') value = pod.metadata.name;
    else if (field === 'metadata.namespace') value = pod.metadata.namespace;
    else if (field?.startsWith("metadata.labels['")) value = pod.metadata.labels?.[field.slice(17, -2)];
    env[entry.name] = expand(value ?? '', (n) => env[n]);
  }
  return env;
}

function expand(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (whole, name: string | undefined) =>
    whole === '$$' ? '$' : (lookup(name!) ?? whole),
  );
}
