/**
 * The shared case tables (metric-values.json, metric-names.json, retry.json), decoded for the
 * TypeScript tests. The Python tests decode the same files (test/cases/cases.py): every client
 * is held to one table, so a client that drifts from src/api/ fails its tests.
 */
import { readFileSync } from 'node:fs';

type Built = string | { prefix?: string; repeat: string; times: number; suffix?: string };

export interface ValueCase {
  value: string;
  /** The DB manager stores it. */
  stored: boolean;
  /** What it counts as, or undefined when never counted. */
  number: number | undefined;
  /** A katib-ts client sends it. */
  sent: boolean;
  why: string;
}

export interface NameCase {
  name: string;
  ok: boolean;
  /** A word the refusal's message holds. */
  problem?: string;
  why: string;
}

export interface RetryCase {
  answer: { drop?: true; code?: string; http?: number };
  retried: boolean;
  why: string;
}

function load<T>(file: string): T[] {
  return (JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { cases: T[] }).cases;
}

function build(text: Built): string {
  return typeof text === 'string'
    ? text
    : `${text.prefix ?? ''}${text.repeat.repeat(text.times)}${text.suffix ?? ''}`;
}

function numberOf(n: number | string | null): number | undefined {
  if (n === null) return undefined;
  if (n === 'Infinity') return Number.POSITIVE_INFINITY;
  if (n === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (n === '-0') return -0;
  return n as number;
}

export const VALUE_CASES: readonly ValueCase[] = load<
  Omit<ValueCase, 'value' | 'number'> & { value: Built; number: number | string | null }
>('./metric-values.json').map((c) => ({ ...c, value: build(c.value), number: numberOf(c.number) }));

export const NAME_CASES: readonly NameCase[] = load<Omit<NameCase, 'name'> & { name: Built }>(
  './metric-names.json',
).map((c) => ({ ...c, name: build(c.name) }));

export const RETRY_CASES: readonly RetryCase[] = load<RetryCase>('./retry.json');

/** A short label for a test title. */
export function label(text: string): string {
  const shown = JSON.stringify(text);
  return shown.length > 40 ? `${shown.slice(0, 20)}...(${text.length} chars)` : shown;
}
