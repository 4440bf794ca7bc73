/// <reference lib="dom" />

import type { DashboardConfig } from '../wire.js';
import type { LiveState } from './api.js';

/** What every page gets from the shell. */
export interface PageContext {
  config: DashboardConfig;
  /** Shows the live-update state in the header. */
  setLive(state: LiveState, error?: unknown): void;
  navigate(path: string): void;
  /** Marks the page as drawn (data, table and charts), for the browser tests' timing. */
  rendered(page: string): void;
}

export interface Page {
  dispose(): void;
}

export type PageFactory = (main: HTMLElement, name: string, context: PageContext) => Page;

/** The message for a failed load: the server's own words. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
