"""The push client that katib-ts's code injection adds to Python trial code.

`katib inject` inserts this file's code (from the first marker comment to the last) at the top of
rewritten Python code, so a rewritten script needs nothing beyond the standard library; the
runtime shim (sitecustomize.py beside this file) imports it. Every name it defines starts with
``_katib``.

``_katib_push.report(name, value, name, value, ...)`` queues points stamped with the time of the
call; a background thread sends them straight away, in batches of what queued meanwhile, to the
DB manager's Connect JSON endpoint (``KATIB_DB_MANAGER_HTTP_ADDRESS``) for trial
``KATIB_TRIAL_NAME``, retrying connection errors and UNAVAILABLE for ``KATIB_PUSH_TIMEOUT``
seconds (default 60). At exit it waits for everything queued. A push that fails for good is
printed at once, makes the next ``report`` raise, and ends the process with exit code 1: a trial
never succeeds with metrics silently lost. Values that are not numbers (as the pull collector
would read them) are skipped with one warning per metric on stderr. With ``KATIB_TRIAL_TOKEN`` set
it is sent as ``Authorization: Bearer``; with ``KATIB_DB_MANAGER_TLS=true`` the endpoint is https,
trusting ``KATIB_DB_MANAGER_CA`` when set (docs/security.md).
"""

# katib-ts push client (added by katib inject: the metric prints below push to the DB manager)
import atexit as _katib_atexit
import datetime as _katib_datetime
import http.client as _katib_http
import json as _katib_json
import os as _katib_os
import random as _katib_random
import re as _katib_re
import ssl as _katib_ssl
import sys as _katib_sys
import threading as _katib_threading
import time as _katib_time
import urllib.error as _katib_urlerror
import urllib.request as _katib_request
import uuid as _katib_uuid


class _KatibPush:
    # src/api/metric-value.ts and metric-name.ts, src/api/retry-policy.ts; test/cases/*.json hold
    # this client to them (test/injection/metric-cases.test.ts).
    _DECIMAL = _katib_re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", _katib_re.A)
    _INFINITY = _katib_re.compile(r"[+-]?inf(?:inity)?", _katib_re.A | _katib_re.I)
    _RETRIED = ("unavailable", "deadline_exceeded")
    _HTTP_UNAVAILABLE = (429, 502, 503, 504)

    def __init__(self):
        self._cond = _katib_threading.Condition()
        self._queue, self._busy, self._error, self._config, self._warned = [], False, None, None, set()
        self._token, self._tls = "", None

    def report(self, *pairs):
        stamp = _katib_datetime.datetime.now(_katib_datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        logs = []
        for name, value in zip(pairs[::2], pairs[1::2]):
            text = self._text(name, value)
            if text is not None:
                logs.append({"timeStamp": stamp, "metric": {"name": name, "value": text}})
        with self._cond:
            if self._error is not None:
                raise self._error
            if self._config is None:
                self._start()
            self._queue.extend(logs)
            self._cond.notify_all()

    def _text(self, name, value):
        """The value's text when it is pushed (a decimal within float64 range or an infinity, never
        NaN, at most 1,024 characters; a printed value is trimmed first, as the filter's \\s* does)
        and the name is storable (1 to 255 characters, no NUL or unpaired surrogate); else None,
        said once per metric."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = repr(value)
        elif isinstance(value, str):
            text = value.strip()
        else:
            try:
                text = repr(float(value))  # numpy and torch scalars
            except (TypeError, ValueError, OverflowError):
                text = str(value)
        number = len(text) <= 1024 and (
            float(text) not in (float("inf"), float("-inf")) if self._DECIMAL.fullmatch(text) else bool(self._INFINITY.fullmatch(text))
        )
        named = (
            isinstance(name, str)
            and 0 < len(name) <= 255
            and not any(c == "\0" or "\ud800" <= c <= "\udfff" for c in name)
        )
        if number and named:
            return text
        if name not in self._warned:
            self._warned.add(name)
            why = "is not a number" if named else "has a name that cannot be stored"
            print(f"katib: metric {name}: {text!r} {why}; not pushed", file=_katib_sys.stderr)
        return None

    def _start(self):
        trial = _katib_os.environ.get("KATIB_TRIAL_NAME", "")
        address = _katib_os.environ.get("KATIB_DB_MANAGER_HTTP_ADDRESS", "")
        if not trial or not address:
            raise RuntimeError(
                "katib: KATIB_TRIAL_NAME and KATIB_DB_MANAGER_HTTP_ADDRESS must be set: this code was "
                "rewritten by katib inject to push its metrics to the DB manager"
            )
        tls = _katib_os.environ.get("KATIB_DB_MANAGER_TLS", "").strip().lower() in ("true", "1", "yes", "on")
        if not address.startswith(("http://", "https://")):
            address = ("https://" if tls else "http://") + address
        timeout = float(_katib_os.environ.get("KATIB_PUSH_TIMEOUT") or 60)
        self._config = (trial, address + "/api.v1.beta1.DBManager/ReportObservationLog", timeout)
        self._token = _katib_os.environ.get("KATIB_TRIAL_TOKEN", "")
        ca = _katib_os.environ.get("KATIB_DB_MANAGER_CA", "")
        self._tls = _katib_ssl.create_default_context(cafile=ca) if ca and address.startswith("https://") else None
        _katib_threading.Thread(target=self._run, name="katib-push", daemon=True).start()
        _katib_atexit.register(self.flush_at_exit)

    def _run(self):
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                batch, self._queue, self._busy = self._queue[:1000], self._queue[1000:], True
            try:
                self._send(batch)
            except Exception as err:  # noqa: BLE001 - any failure ends pushing, loudly
                message = f"katib: metrics could not be pushed to {self._config[1]}: {err}"
                print(message, file=_katib_sys.stderr, flush=True)
                with self._cond:
                    self._error, self._busy = RuntimeError(message), False
                    self._cond.notify_all()
                return
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _send(self, batch):
        trial, url, timeout = self._config
        body = _katib_json.dumps({"trialName": trial, "observationLog": {"metricLogs": batch}}).encode()
        deadline, delay, last = _katib_time.monotonic() + timeout, 0.05, None
        # One key for every attempt: a retry of a batch the DB manager stored before its reply was lost
        # is not stored twice.
        key = str(_katib_uuid.uuid4())
        while True:
            headers = {"Content-Type": "application/json", "Connect-Protocol-Version": "1", "Katib-Idempotency-Key": key,
                       "Katib-Push-Origin": "automatic"}
            if self._token:
                headers["Authorization"] = "Bearer " + self._token
            request = _katib_request.Request(url, data=body, method="POST", headers=headers)
            wait = max(1.0, min(30.0, deadline - _katib_time.monotonic()))
            try:
                with _katib_request.urlopen(request, timeout=wait, context=self._tls) as r:
                    r.read()
                    return
            except _katib_urlerror.HTTPError as err:
                try:
                    detail = _katib_json.loads(err.read() or b"{}")
                except ValueError:
                    detail = {}
                code = detail.get("code") or ("unavailable" if err.code in self._HTTP_UNAVAILABLE else "unknown")
                last = f"{detail.get('code', err.code)}: {detail.get('message', err.reason)}"
                if code not in self._RETRIED:
                    raise RuntimeError(f"the DB manager refused them ({last})") from None
            except (OSError, _katib_http.HTTPException) as err:
                last = str(getattr(err, "reason", err)) or type(err).__name__
            wait = delay * (0.5 + _katib_random.random() / 2)  # jitter: trials cut off together come back apart
            if _katib_time.monotonic() + wait > deadline:
                raise RuntimeError(f"no answer for {timeout:g}s ({last})")
            _katib_time.sleep(wait)
            delay = min(delay * 2, 1.0)

    def flush_at_exit(self):
        """Waits for everything queued; on failure prints why and exits 1 (safe to call twice)."""
        if self._config is None:
            return
        with self._cond:
            deadline = _katib_time.monotonic() + self._config[2] + 5
            while (self._queue or self._busy) and self._error is None and _katib_time.monotonic() < deadline:
                self._cond.wait(0.05)
            failed = self._error is not None or bool(self._queue or self._busy)
        if failed:
            print("katib: the trial's metrics were not all pushed; exiting with code 1", file=_katib_sys.stderr)
            for stream in (_katib_sys.stdout, _katib_sys.stderr):
                try:
                    stream.flush()
                except Exception:  # noqa: BLE001, S110 - exiting anyway
                    pass
            _katib_os._exit(1)


_katib_push = _KatibPush()
# end of katib-ts push client
