/**
 * STAND-IN, for tests only: the Job controller of a stand-in Kubernetes cluster (see
 * fake-kube-apiserver.ts), with its kubelet (fake-kube-apiserver-kubelet.ts). It follows
 * batch/v1's rules as far as katib-ts depends on them: one pod at a time (parallelism and
 * completions 1), a new pod after a failed one (with backoff) until `backoffLimit` (default 6)
 * is passed (condition Failed, reason BackoffLimitExceeded), `activeDeadlineSeconds` (Failed,
 * DeadlineExceeded), `suspend` (active pods deleted, condition Suspended), SuccessCriteriaMet and
 * Complete once a pod succeeded; pods labelled job-name and controller-uid and owned by the Job;
 * a pod deleted before it ended counts as failed.
 */
import { type ContainerLog, FakeKubelet } from './fake-kube-apiserver-kubelet.js';
import type { Obj, ObjectStore, ResourceType, StoredEvent } from './fake-kube-apiserver-store.js';

export { type ContainerLog, NEVER_STARTS_IMAGE } from './fake-kube-apiserver-kubelet.js';

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class FakeWorkloads {
  readonly #store: ObjectStore;
  readonly #jobs: ResourceType;
  readonly #pods: ResourceType;
  readonly #kubelet: FakeKubelet;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #creating = new Set<string>();
  readonly #counted = new Map<string, { succeeded: Set<string>; failed: Set<string> }>();
  #off: (() => void) | undefined;
  #stopped = false;

  constructor(store: ObjectStore, types: { jobs: ResourceType; pods: ResourceType }) {
    this.#store = store;
    this.#jobs = types.jobs;
    this.#pods = types.pods;
    this.#kubelet = new FakeKubelet(store, types.pods, (fn, ms) => this.#later(fn, ms));
  }

  start(): void {
    this.#off = this.#store.onEvent((event) => this.#later(() => this.#react(event)));
  }

  stop(): void {
    this.#stopped = true;
    this.#off?.();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#kubelet.stop();
  }

  log(podUid: string, container: string): ContainerLog | undefined {
    return this.#kubelet.log(podUid, container);
  }

  #later(fn: () => void, ms = 0): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) fn();
    }, ms);
    this.#timers.add(timer);
  }

  #react(event: StoredEvent): void {
    const { object } = event;
    if (event.resource === this.#jobs) {
      if (event.type === 'ADDED' && object.spec?.activeDeadlineSeconds !== undefined) {
        this.#later(() => this.#deadline(object), object.spec.activeDeadlineSeconds * 1000);
      }
      if (event.type !== 'DELETED') this.#syncJob(object.metadata.namespace, object.metadata.name);
    } else if (event.resource === this.#pods) {
      if (event.type === 'ADDED') this.#kubelet.runPod(object);
      if (
        event.type === 'MODIFIED' &&
        object.metadata.deletionTimestamp &&
        !event.previous?.metadata.deletionTimestamp
      )
        this.#kubelet.stopPod(object);
      const owner = (object.metadata.ownerReferences ?? []).find((o: Obj) => o.kind === 'Job');
      if (owner) this.#podChanged(owner.uid, object, event.type === 'DELETED');
      if (owner) this.#syncJob(object.metadata.namespace, owner.name);
    }
  }

  // --- Job controller -------------------------------------------------------------------

  #podChanged(jobUid: string, pod: Obj, deleted: boolean): void {
    const counted = this.#counted.get(jobUid) ?? { succeeded: new Set<string>(), failed: new Set<string>() };
    this.#counted.set(jobUid, counted);
    const uid = pod.metadata.uid;
    if (counted.succeeded.has(uid) || counted.failed.has(uid)) return;
    if (pod.status?.phase === 'Succeeded') counted.succeeded.add(uid);
    else if (pod.status?.phase === 'Failed' || deleted) counted.failed.add(uid);
  }

  #syncJob(namespace: string, name: string): void {
    const job = this.#store.get(this.#jobs, namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const conditions: Obj[] = job.status?.conditions ?? [];
    const done = conditions.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const pods = this.#store
      .list(this.#pods, namespace)
      .filter((p) => (p.metadata.ownerReferences ?? []).some((o: Obj) => o.uid === job.metadata.uid));
    // Count from the pods as they are now, not only from the events seen so far.
    for (const pod of pods) this.#podChanged(job.metadata.uid, pod, false);
    const active = pods.filter(
      (p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase),
    );
    const counted = this.#counted.get(job.metadata.uid) ?? { succeeded: new Set(), failed: new Set() };
    const status: Obj = { ...(job.status ?? {}) };
    const setCondition = (type: string, reason: string, message: string): void => {
      status.conditions = [
        ...(status.conditions ?? []).filter((c: Obj) => c.type !== type),
        { type, status: 'True', reason, message, lastProbeTime: now(), lastTransitionTime: now() },
      ];
    };
    if (done) return;
    if (job.spec.suspend) {
      for (const pod of active) this.#deletePod(pod);
      if (!conditions.some((c) => c.type === 'Suspended' && c.status === 'True'))
        setCondition('Suspended', 'JobSuspended', 'Job suspended');
    } else if (counted.succeeded.size >= (job.spec.completions ?? 1)) {
      setCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
      setCondition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
      status.completionTime = now();
    } else if (counted.failed.size > (job.spec.backoffLimit ?? 6)) {
      for (const pod of active) this.#deletePod(pod);
      setCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      setCondition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    } else if (active.length === 0 && !this.#creating.has(job.metadata.uid)) {
      status.startTime ??= now();
      this.#creating.add(job.metadata.uid);
      const delay = counted.failed.size === 0 ? 0 : 10 * 2 ** (counted.failed.size - 1);
      this.#later(() => this.#createPod(job), delay);
    }
    status.active = active.length;
    status.succeeded = counted.succeeded.size || undefined;
    status.failed = counted.failed.size || undefined;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {}))
      this.#store.update(this.#jobs, namespace, name, (j) => {
        j.status = status;
      });
  }

  #createPod(job: Obj): void {
    const current = this.#store.get(this.#jobs, job.metadata.namespace, job.metadata.name);
    this.#creating.delete(job.metadata.uid);
    if (!current || current.metadata.uid !== job.metadata.uid || current.metadata.deletionTimestamp) return;
    if (current.spec.suspend) return;
    const template = structuredClone(current.spec.template);
    const labels = {
      ...(template.metadata?.labels ?? {}),
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'controller-uid': job.metadata.uid,
      'job-name': job.metadata.name,
    };
    this.#store.create(this.#pods, job.metadata.namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(template.metadata ?? {}),
        generateName: `${job.metadata.name}-`,
        labels,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: job.metadata.name,
            uid: job.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...template.spec, nodeName: 'stand-in-node' },
      status: { phase: 'Pending' },
    });
  }

  #deadline(job: Obj): void {
    const current = this.#store.get(this.#jobs, job.metadata.namespace, job.metadata.name);
    if (!current || current.metadata.uid !== job.metadata.uid) return;
    if ((current.status?.conditions ?? []).some((c: Obj) => ['Complete', 'Failed'].includes(c.type))) return;
    const message = 'Job was active longer than specified deadline';
    for (const pod of this.#store.list(this.#pods, job.metadata.namespace)) {
      if ((pod.metadata.ownerReferences ?? []).some((o: Obj) => o.uid === job.metadata.uid))
        this.#deletePod(pod);
    }
    this.#store.update(this.#jobs, job.metadata.namespace, job.metadata.name, (j) => {
      const conditions = (j.status.conditions ?? []).filter((c: Obj) => c.type !== 'Failed');
      for (const type of ['FailureTarget', 'Failed'])
        conditions.push({
          type,
          status: 'True',
          reason: 'DeadlineExceeded',
          message,
          lastTransitionTime: now(),
        });
      j.status = { ...j.status, conditions, active: 0 };
    });
  }

  #deletePod(pod: Obj): void {
    try {
      this.#store.delete(this.#pods, pod.metadata.namespace, pod.metadata.name);
    } catch {
      // already gone
    }
  }
}
