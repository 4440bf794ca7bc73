"""Push metrics from a Python trial to the katib-ts (or Katib) DB manager.

Standard library only: it speaks the DB manager's Connect JSON endpoint over plain HTTP/1.1, so a
trial needs no gRPC install. Semantics match katib-ts's TypeScript ``reportMetrics``:

* ``report_metrics(metrics)`` sends one ReportObservationLog and returns once the DB manager has
  stored it (durable on return); it retries as src/api/retry-policy.ts says (no answer, UNAVAILABLE,
  DEADLINE_EXCEEDED; 429/502/503/504 without a code), with jittered back-off, until ``timeout``
  seconds have passed, then raises ``KatibPushError`` (a ``RuntimeError``); any other answer raises
  it at once. Every attempt of one call carries
  the same ``Katib-Idempotency-Key`` header (a random UUID), so a retry of a request whose reply was
  lost (the DB manager died after storing it) is stored once.
* ``MetricsReporter`` is the fast path for training loops: ``report()`` only queues; a background
  thread sends batches; ``flush()`` waits for everything and raises if anything failed. Queued points
  are flushed at interpreter exit, and a failure there is printed and turns the exit code non-zero.

The trial name comes from ``KATIB_TRIAL_NAME``; the address from the argument, else
``KATIB_DB_MANAGER_HTTP_ADDRESS`` (host:port of the HTTP endpoint). Names and values follow
src/api/metric-name.ts and src/api/metric-value.ts (``ValueError`` otherwise): a value is a number
(not NaN) or a number's text, a decimal within float64 range or an infinity; test/cases/*.json hold
this module to them.

Security (docs/security.md): the bearer token comes from ``token``, else ``KATIB_TRIAL_TOKEN`` (sent
as ``Authorization: Bearer``); an ``https://`` address, or ``KATIB_DB_MANAGER_TLS=true``, uses TLS,
trusting the CA file ``ca_file``, else ``KATIB_DB_MANAGER_CA``, else the system's CAs.
"""

import atexit
import datetime
import http.client
import json
import math
import os
import random
import re
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

__all__ = ["report_metrics", "MetricsReporter", "KatibPushError"]

_PATH = "/api.v1.beta1.DBManager/ReportObservationLog"
# Names one request so that the DB manager stores it once however often it is retried.
_KEY_HEADER = "Katib-Idempotency-Key"
# src/api/metric-value.ts's rule for a value a client sends (test/cases/metric-values.json): a
# decimal within float64 range or an infinity, never NaN, at most 1,024 characters. ASCII only:
# Python's \d and case folding would take other scripts' digits and letters.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_INFINITY = re.compile(r"[+-]?inf(?:inity)?", re.ASCII | re.IGNORECASE)
_MAX_VALUE_LENGTH = 1024
_MAX_NAME_LENGTH = 255
# src/api/retry-policy.ts (test/cases/retry.json): the codes retried, and HTTP statuses without a
# code read as gRPC maps them (429/502/503/504 unavailable).
_RETRIED = {"unavailable", "deadline_exceeded"}
_CODE_OF_HTTP_STATUS = {400: "internal", 401: "unauthenticated", 403: "permission_denied", 404: "unimplemented",
                        429: "unavailable", 502: "unavailable", 503: "unavailable", 504: "unavailable"}


class KatibPushError(RuntimeError):
    """The DB manager rejected a push, or it could not be reached before the timeout."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


def _now_rfc3339():
    # Microsecond time stamps: the DB manager keeps DATETIME(6).
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _trial_name(trial_name):
    name = trial_name or os.environ.get("KATIB_TRIAL_NAME", "")
    if not name:
        raise ValueError("KATIB_TRIAL_NAME is not set: report_metrics needs the trial's name")
    return name


def _address(address):
    addr = address or os.environ.get("KATIB_DB_MANAGER_HTTP_ADDRESS", "")
    if not addr:
        raise ValueError(
            "no DB manager HTTP address: pass db_manager_address or set KATIB_DB_MANAGER_HTTP_ADDRESS"
        )
    if addr.startswith(("http://", "https://")):
        return addr
    tls = os.environ.get("KATIB_DB_MANAGER_TLS", "").strip().lower()
    if tls not in ("", "true", "1", "yes", "on", "false", "0", "no", "off"):
        raise ValueError(f"KATIB_DB_MANAGER_TLS: {tls!r} must be true or false")
    return ("https://" if tls in ("true", "1", "yes", "on") else "http://") + addr


class _Auth:
    """The bearer token and TLS context one client sends with."""

    def __init__(self, url, token, ca_file):
        self.token = token if token is not None else os.environ.get("KATIB_TRIAL_TOKEN", "")
        ca = ca_file or os.environ.get("KATIB_DB_MANAGER_CA", "")
        self.context = None
        if url.startswith("https://") and ca:
            try:
                self.context = ssl.create_default_context(cafile=ca)
            except (OSError, ssl.SSLError) as err:
                raise ValueError(f"KATIB_DB_MANAGER_CA / ca_file: {ca!r} cannot be used as a CA file: {err}") from None


def _is_sent_value(text):
    """Whether a client sends ``text`` (src/api/metric-value.ts: stored and counted)."""
    if len(text) > _MAX_VALUE_LENGTH:
        return False
    if _DECIMAL.fullmatch(text):
        return not math.isinf(float(text))
    return _INFINITY.fullmatch(text) is not None


def _name_problem(name):
    """Why ``name`` is not a metric name (src/api/metric-name.ts), or None."""
    if not isinstance(name, str):
        return "must be a string"
    if name == "":
        return "must not be empty"
    if len(name) > _MAX_NAME_LENGTH:
        return f"must be at most {_MAX_NAME_LENGTH} characters (has {len(name)})"
    if any(c == "\0" or "\ud800" <= c <= "\udfff" for c in name):
        return "must not contain NUL characters or unpaired UTF-16 surrogates"
    return None


def _format_value(name, value):
    """The wire text of ``value``: ints as str, floats as repr, strings as given."""
    text = None
    if isinstance(value, bool):
        text = None
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = repr(float(value))  # numpy and torch scalars
        except (TypeError, ValueError, OverflowError):
            text = None
    # Checked here so a bad value fails at report() and not later, in the background.
    if text is None or not _is_sent_value(text):
        raise ValueError(
            f"metric {name!r}: {value!r} is not a number (a decimal within float64 range, or inf; NaN is refused)"
        )
    return text


def _metric_logs(metrics):
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError("metrics must be a non-empty dict of metric name to number")
    stamp = _now_rfc3339()
    logs = []
    for name, value in metrics.items():
        problem = _name_problem(name)
        if problem is not None:
            raise ValueError(f"metric name {name!r} {problem}")
        logs.append({"timeStamp": stamp, "metric": {"name": name, "value": _format_value(name, value)}})
    return logs


def _send(url, trial_name, logs, timeout, auth):
    """POSTs one request, retrying retryable failures until ``timeout`` seconds have passed.

    Every attempt carries the same idempotency key: an attempt whose reply was lost may have been
    stored, and the DB manager stores the key's request only once."""
    body = json.dumps({"trialName": trial_name, "observationLog": {"metricLogs": logs}}).encode()
    key = str(uuid.uuid4())
    deadline = time.monotonic() + timeout
    delay, attempts, last = 0.05, 0, None
    while True:
        attempts += 1
        remaining = deadline - time.monotonic()
        headers = {"Content-Type": "application/json", "Connect-Protocol-Version": "1", _KEY_HEADER: key}
        if auth.token:
            headers["Authorization"] = "Bearer " + auth.token
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(
                request, timeout=max(0.1, min(remaining, 30)), context=auth.context
            ) as response:
                response.read()
                return
        except urllib.error.HTTPError as err:
            try:
                detail = json.loads(err.read() or b"{}")
            except ValueError:
                detail = {}
            code = detail.get("code") if isinstance(detail, dict) else None
            code = code or _CODE_OF_HTTP_STATUS.get(err.code, "unknown")
            last = f"{code}: {detail.get('message', err.reason) if isinstance(detail, dict) else err.reason}"
            if code not in _RETRIED:
                raise KatibPushError(f"DB manager rejected the push ({last})", code) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            # The connection failed or broke, maybe after the DB manager stored the request: retried
            # with the same key.
            last = str(getattr(err, "reason", err)) or type(err).__name__
        wait = delay * (0.5 + random.random() / 2)  # jitter: trials cut off together come back apart
        if time.monotonic() + wait > deadline:
            raise KatibPushError(
                f"push failed after {attempts} attempts over {timeout}s: {last}", "unavailable"
            )
        time.sleep(wait)
        delay = min(delay * 2, 1.0)


def report_metrics(metrics, db_manager_address=None, timeout=120, trial_name=None, token=None,
                   ca_file=None):
    """Pushes ``metrics`` (name -> number) for this trial; returns once they are stored."""
    name = _trial_name(trial_name)
    logs = _metric_logs(metrics)
    url = _address(db_manager_address) + _PATH
    _send(url, name, logs, timeout, _Auth(url, token, ca_file))


class MetricsReporter:
    """Non-blocking reporter: ``report()`` queues, a thread sends batches, ``flush()`` waits."""

    def __init__(self, db_manager_address=None, timeout=120, trial_name=None, batch_size=1000,
                 interval=0.1, token=None, ca_file=None):
        self._name = _trial_name(trial_name)
        self._url = _address(db_manager_address) + _PATH
        self._auth = _Auth(self._url, token, ca_file)
        self._timeout = timeout
        self._batch_size = batch_size
        self._interval = interval
        self._queue = []
        self._in_flight = 0
        self._error = None
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="katib-push", daemon=True)
        self._thread.start()
        atexit.register(self._flush_at_exit)

    def report(self, metrics):
        logs = _metric_logs(metrics)
        with self._cond:
            self._raise_pending()
            self._queue.extend(logs)
            if len(self._queue) >= self._batch_size:
                self._cond.notify_all()

    def flush(self):
        """Sends everything queued so far; raises KatibPushError if any push failed."""
        with self._cond:
            self._cond.notify_all()
            while (self._queue or self._in_flight) and self._error is None:
                self._cond.wait(0.05)
                self._cond.notify_all()
            self._raise_pending()

    def close(self):
        try:
            self.flush()
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _raise_pending(self):
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def _run(self):
        while True:
            with self._cond:
                if not self._queue and not self._closed:
                    self._cond.wait(self._interval)
                if self._closed and not self._queue:
                    return
                if not self._queue or self._error is not None:
                    continue
                batch, self._queue = self._queue[: self._batch_size], self._queue[self._batch_size:]
                self._in_flight += 1
            try:
                _send(self._url, self._name, batch, self._timeout, self._auth)
            except KatibPushError as err:
                with self._cond:
                    self._error = err
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _flush_at_exit(self):
        if self._closed:
            return
        try:
            self.close()
        except KatibPushError as err:
            print(f"katib: metrics not pushed at exit: {err}", file=sys.stderr)
            os._exit(1)
