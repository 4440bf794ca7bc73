import { invalidArgument } from '../../api/errors.js';

/**
 * The source of a function objective as an expression the trial program can evaluate. It runs in
 * another process, so it may use only its parameter, globals and what it imports inside itself
 * (`await import('pkg')`): a reference to a variable outside it fails the trial with a
 * ReferenceError. Method shorthand (`{ objective(p) {...} }.objective`) is wrapped back into an
 * object; native, bound and class functions, and functions using import.meta (which in the trial
 * would describe the generated program), are refused naming `field`.
 */
export function functionSource(fn: unknown, field: string): string {
  if (typeof fn !== 'function') throw invalidArgument(field, fn, 'must be a function');
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source))
    throw invalidArgument(
      field,
      source,
      'is a native or bound function: pass a function written in your code (its source is what each trial runs)',
    );
  if (/^class\b/.test(source)) throw invalidArgument(field, source, 'is a class: pass a function');
  if (/\bimport\.meta\b/.test(source))
    throw invalidArgument(
      field,
      source,
      'uses import.meta, which in a trial would describe the generated program, not your file: use absolute paths (e.g. through envPerTrial)',
    );
  if (parses(source)) return source;
  const wrapped = `({ ${source} })[${JSON.stringify(fn.name)}]`;
  if (parses(wrapped)) return wrapped;
  throw invalidArgument(field, source, 'cannot be rebuilt from its source text');
}

function parses(expression: string): boolean {
  try {
    // Compiled, never called: only a syntax check.
    new Function(`return (\n${expression}\n);`);
    return true;
  } catch (err) {
    // Code generation disabled (--disallow-code-generation-from-strings): cannot check here.
    return err instanceof EvalError;
  }
}
