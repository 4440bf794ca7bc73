"""Runs a Python push client over the shared case tables; prints one JSON object of results.

usage: python3 python_clients.py katib_push|inject values|names|retry [http://host:port]

The Node tests (test/sdk-report/katib-push-py-cases.test.ts, test/injection/metric-cases.test.ts)
compare the results with the tables: values and names need no server (each client's own check
runs); retry pushes one point per case to the capture server as trial ``retry-<i>``.
"""

import json
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))
sys.path[:0] = [_HERE, os.path.join(_ROOT, "python"), os.path.join(_ROOT, "python", "katib_inject")]

from cases import NAME_CASES, RETRY_CASES, VALUE_CASES  # noqa: E402

_PATH = "/api.v1.beta1.DBManager/ReportObservationLog"


def katib_push_client(mode, url):
    import katib_push

    if mode == "values":
        out = []
        for c in VALUE_CASES:
            try:
                out.append(katib_push._format_value("loss", c["value"]))
            except ValueError:
                out.append(None)
        return out
    if mode == "names":
        out = []
        for c in NAME_CASES:
            try:
                katib_push._metric_logs({c["name"]: 1})
                out.append(None)
            except ValueError as err:
                out.append(str(err))
        return out
    out = []
    for i in range(len(RETRY_CASES)):
        try:
            katib_push.report_metrics({"loss": 1}, db_manager_address=url, timeout=10, trial_name=f"retry-{i}")
            out.append("ok")
        except katib_push.KatibPushError as err:
            out.append(f"failed: {err}")
    return out


def inject_client(mode, url):
    import katib_push_client

    if mode == "values":
        push = katib_push_client._KatibPush()
        return [push._text("loss", c["value"]) for c in VALUE_CASES]
    if mode == "names":
        out = []
        for c in NAME_CASES:
            push = katib_push_client._KatibPush()
            out.append(push._text(c["name"], "1") is not None)
        return out
    out = []
    for i in range(len(RETRY_CASES)):
        push = katib_push_client._KatibPush()
        push._config = (f"retry-{i}", url + _PATH, 10.0)
        log = {"timeStamp": "", "metric": {"name": "loss", "value": "1"}}
        try:
            push._send([log])
            out.append("ok")
        except RuntimeError as err:
            out.append(f"failed: {err}")
    return out


if __name__ == "__main__":
    client, mode = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) > 3 else ""
    run = katib_push_client if client == "katib_push" else inject_client
    sys.stdout.write(json.dumps(run(mode, url)))
