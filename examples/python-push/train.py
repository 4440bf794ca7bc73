"""A Python trial that pushes metrics with katib-ts's standard-library helper (no gRPC install).

`katib_push` is on PYTHONPATH for every local trial; it posts to the DB manager's HTTP JSON
endpoint (KATIB_DB_MANAGER_HTTP_ADDRESS). Katib's own `kubeflow.katib.report_metrics`, pointed at
KATIB_DB_MANAGER_ADDRESS, works against the same DB manager over gRPC.
"""
import sys

from katib_push import MetricsReporter, report_metrics

x = float(sys.argv[1])
y = float(sys.argv[2])
reporter = MetricsReporter()
for step in range(1, 11):
    # Branin-like bowl; the objective is its value after the last step.
    value = (y - 5.1 / 39.48 * x * x + 5 / 3.1416 * x - 6) ** 2 + 10 * (1 - 1 / 25.13) * (1 - step / 10)
    reporter.report({"objective": value})
reporter.close()
report_metrics({"objective": value})  # one durable synchronous push, as Katib's API does
