/**
 * The trial labels PBT puts on its suggestions, named exactly as Katib's PBT service names them,
 * so that the population can be rebuilt from the history alone (and a Katib user's tooling that
 * reads them keeps working). Katib's controller copies a suggestion's labels onto the trial and
 * sends them back in every GetSuggestionsRequest; the in-process controller does the same.
 */
export const GENERATION_LABEL = 'pbt.suggestion.katib.kubeflow.org/generation';
/** The trial whose checkpoint the new trial starts from; absent in generation 0. */
export const PARENT_LABEL = 'pbt.suggestion.katib.kubeflow.org/parent';

export function pbtLabels(generation: number, parent: string | undefined): Record<string, string> {
  const labels: Record<string, string> = { [GENERATION_LABEL]: String(generation) };
  if (parent !== undefined) labels[PARENT_LABEL] = parent;
  return labels;
}

/** The generation label of a trial as a whole number, or undefined when missing or malformed. */
export function generationOf(labels: Readonly<Record<string, string>> | undefined): number | undefined {
  const text = labels?.[GENERATION_LABEL];
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}
