import type { RewriteReport } from './rewrite.js';

/** A rewrite report as lines for people: what was rewritten, what was left and why. */
export function formatReport(report: RewriteReport): string {
  const lines = [
    `${report.origin} (${report.language}), metrics ${report.metricNames.join(', ')}: ` +
      `${report.rewritten.length} print${report.rewritten.length === 1 ? '' : 's'} rewritten, ` +
      `${report.notRewritten.length} left as they were`,
  ];
  for (const r of report.rewritten) {
    lines.push(`  rewritten line ${r.line}: ${oneLine(r.statement)}`);
    lines.push(`    pushes ${r.metrics.join(', ')}; now: ${oneLine(r.replacement)}`);
    for (const note of r.notes) lines.push(`    left in the line: ${note}`);
  }
  for (const r of report.notRewritten) {
    lines.push(`  not rewritten line ${r.line}: ${oneLine(r.statement)}`);
    for (const reason of r.reasons) lines.push(`    because: ${reason}`);
  }
  for (const notice of report.notices) lines.push(`  notice: ${notice}`);
  return `${lines.join('\n')}\n`;
}

function oneLine(code: string): string {
  const flat = code.replace(/\s*\n\s*/g, ' ');
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}
