/** Reading a trialSpec (an unvalidated Kubernetes resource) without trusting its shape. */

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function isBatchJob(trialSpec: Record<string, unknown>): boolean {
  return trialSpec.apiVersion === 'batch/v1' && trialSpec.kind === 'Job';
}

/** The Job's pod spec (`spec.template.spec`), or undefined when it is not there. */
export function jobPodSpec(trialSpec: Record<string, unknown>): Record<string, unknown> | undefined {
  return asRecord(asRecord(asRecord(trialSpec.spec)?.template)?.spec);
}

/** `spec.template.spec.containers` when it is a list; undefined when missing or not a list. */
export function jobContainers(trialSpec: Record<string, unknown>): unknown[] | undefined {
  const containers = jobPodSpec(trialSpec)?.containers;
  return Array.isArray(containers) ? containers : undefined;
}
