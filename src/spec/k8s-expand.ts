/**
 * Kubernetes' `$(VAR_NAME)` expansion in a container's command, args and env values: a defined
 * variable is replaced by its value, an undefined one is left as written, `$$` is a literal `$`.
 */
export function expandKubernetesVars(input: string, lookup: (name: string) => string | undefined): string {
  if (!input.includes('$')) return input;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1]!;
    i++;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', i + 1);
      if (close === -1) {
        // An unclosed reference stays as written; what follows is still scanned.
        out += '$(';
        continue;
      }
      const name = input.slice(i + 1, close);
      out += lookup(name) ?? `$(${name})`;
      i = close;
    } else out += `$${next}`;
  }
  return out;
}
