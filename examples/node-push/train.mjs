// A Node trial that pushes its metrics straight to the DB manager with reportMetrics
// (push-based collection: nothing parses its output). KATIB_TRIAL_NAME and the DB manager's
// address come from the environment the controller gives every trial.
import { createMetricsReporter } from 'katib-ts/report';

const [layers, dropout, optimizer] = process.argv.slice(2);
const reporter = createMetricsReporter();
let loss = 2.5;
for (let step = 1; step <= 20; step++) {
  // A made-up learning curve: 3 layers, dropout 0.2 and adam do best.
  const floor = Math.abs(Number(layers) - 3) * 0.1 + Math.abs(Number(dropout) - 0.2) + (optimizer === 'adam' ? 0 : 0.15);
  loss = floor + (loss - floor) * 0.7;
  reporter.report({ loss, step });
}
await reporter.close();
