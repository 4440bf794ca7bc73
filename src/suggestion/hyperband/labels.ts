import type { Trial } from '../../api/trial.js';

/**
 * The trial labels hyperband puts on its suggestions, so that it can tell from the history alone
 * which bracket and rung each trial belongs to. Katib's controller copies a suggestion's labels
 * onto the trial and sends them back in every GetSuggestionsRequest; the in-process controller
 * keeps them on the trial the same way.
 */
export const BRACKET_LABEL = 'katib-ts/hyperband-bracket';
export const RUNG_LABEL = 'katib-ts/hyperband-rung';

export function rungLabels(bracket: number, rung: number): Record<string, string> {
  return { [BRACKET_LABEL]: String(bracket), [RUNG_LABEL]: String(rung) };
}

/** The trials of each (bracket, rung), in history order; trials without valid labels are left out. */
export class Rungs {
  readonly #members = new Map<string, Trial[]>();

  constructor(trials: readonly Trial[], sMax: number) {
    for (const trial of trials) {
      const s = whole(trial.labels?.[BRACKET_LABEL]);
      const i = whole(trial.labels?.[RUNG_LABEL]);
      // Labels from other settings (a larger r_l before a restart) name rungs this schedule lacks.
      if (s === undefined || i === undefined || s > sMax || i > s) continue;
      const key = `${s}/${i}`;
      const list = this.#members.get(key);
      if (list === undefined) this.#members.set(key, [trial]);
      else list.push(trial);
    }
  }

  of(bracket: number, rung: number): readonly Trial[] {
    return this.#members.get(`${bracket}/${rung}`) ?? [];
  }
}

function whole(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}
