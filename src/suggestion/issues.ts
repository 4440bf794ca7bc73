import { invalidArgument, KatibError } from '../api/errors.js';

/** One broken rule: the field at fault, the value found there and the rule it breaks. */
export interface Issue {
  field: string;
  value: unknown;
  rule: string;
}

/**
 * Collects every problem of one input before failing, so a user fixes all of them in one go
 * instead of one per attempt. Local to one validation call: never shared between calls.
 */
export class Issues {
  readonly list: Issue[] = [];

  add(field: string, value: unknown, rule: string): void {
    this.list.push({ field, value, rule });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** One `invalid_argument` KatibError naming every issue; its `field` is the first issue's. */
  toError(): KatibError {
    const first = this.list[0];
    if (first === undefined) throw new KatibError('internal', 'Issues.toError called with no issues');
    if (this.list.length === 1) return invalidArgument(first.field, first.value, first.rule);
    const message = this.list.map((i) => invalidArgument(i.field, i.value, i.rule).message).join('; ');
    return new KatibError('invalid_argument', message, { field: first.field });
  }

  throwIfAny(): void {
    if (!this.empty) throw this.toError();
  }
}
