import { dirname, sep } from 'node:path';

/**
 * Which metric a scalar counts for, with Katib's TensorFlowEvent rule: a metric name `m` takes a
 * tag that starts with m's last `/` part; a name with a directory part (`train/accuracy`) takes
 * it only from event files whose folder ends with that part (`.../train/events.out...`), so the
 * same tag written under `train/` and `test/` gives two metrics. Returns every metric the tag
 * counts for (Katib records a point for each).
 */
export function metricsForTag(tag: string, file: string, metricNames: readonly string[]): string[] {
  const folder = dirname(file).split(sep).join('/');
  const out: string[] = [];
  for (const name of metricNames) {
    const parts = name.split('/');
    const last = parts[parts.length - 1] ?? name;
    if (!tag.startsWith(last)) continue;
    if (parts.length >= 2 && !folder.endsWith(parts.slice(0, -1).join('/'))) continue;
    out.push(name);
  }
  return out;
}
