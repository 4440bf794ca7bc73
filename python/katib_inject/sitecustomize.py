"""katib-ts runtime shim for Python trials whose code is not rewritten ahead of time.

With this folder on PYTHONPATH, Python imports this module at start-up. When the trial has a name
(``KATIB_TRIAL_NAME``) and metric names (``KATIB_METRIC_NAMES``, comma-separated), it wraps
``sys.stdout`` and ``sys.stderr``: each line written is read with the experiment's metrics filters
(``KATIB_METRICS_FORMAT``, a JSON list of Katib metricsFormat expressions; Katib's default filter
when empty), the metrics found are pushed at once through katib_push_client, and the rest of the
line is written as it was (a line holding only metrics is not written). Then it runs the
sitecustomize that this one shadows, if any.
"""

import atexit
import importlib.util
import json
import os
import re
import sys

_DEFAULT_FILTER = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"
_NUMBER = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf(inity)?)", re.I)


def _strip_spans(text, spans):
    """The line without the spans, tidied; None when only blanks and separators would be left."""
    out = text
    for start, end in sorted(spans, reverse=True):
        left, right = out[:start], out[end:]
        line_start = left.strip(" \t") == "" or re.search(r"\n[ \t]*$", left) is not None
        separator = re.match(r"[ \t]*[,;|][ \t]*", right)
        if separator and not re.match(r"[ \t]*[,;|][ \t]*(\n|$)", right):
            right = right[separator.end():]
        elif re.match(r"[ \t]*[,;|]?[ \t]*(\r?\n|$)", right):
            right = re.sub(r"^[ \t]*[,;|]?[ \t]*", "", right)
            left = re.sub(r"[ \t]*[,;|]?[ \t]*$", "", left)
        elif line_start or left.endswith((" ", "\t")):
            right = right.lstrip(" \t")
        out = left + right
    if re.fullmatch(r"[\s,;:|.\-=]*", out):
        return None
    return out


class _MetricStream:
    """A text stream that pushes the metrics in each line and passes the rest through."""

    def __init__(self, stream, names, filters, push):
        self._stream, self._names, self._filters, self._push = stream, names, filters, push
        self._pending = ""

    def write(self, s):
        if not isinstance(s, str):
            return self._stream.write(s)
        self._pending += s
        out = []
        while "\n" in self._pending:
            line, _, self._pending = self._pending.partition("\n")
            kept = self._line(line)
            if kept is not None:
                out.append(kept + "\n")
        pending = self._pending
        if pending and ("\r" in pending or len(pending) > 65536 or not any(n in pending for n in self._names)):
            out.append(pending)
            self._pending = ""
        if out:
            self._stream.write("".join(out))
        return len(s)

    def flush(self):
        if self._pending:
            kept, self._pending = self._line(self._pending), ""
            if kept is not None:
                self._stream.write(kept)
        self._stream.flush()

    def _line(self, line):
        if not any(n in line for n in self._names):
            return line
        spans, pairs, taken = [], [], []
        for regex in self._filters:
            for m in regex.finditer(line):
                if m.end() == m.start() or any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                name, value = (m.group(1) or "").strip(), (m.group(2) or "").strip()
                taken.append((m.start(), m.end()))
                if name in self._names and _NUMBER.fullmatch(value):
                    spans.append((m.start(), m.end()))
                    pairs += [name, value]
        if not pairs:
            return line
        self._push.report(*pairs)
        return _strip_spans(line, spans)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _install():
    names = [n.strip() for n in os.environ.get("KATIB_METRIC_NAMES", "").split(",") if n.strip()]
    if not names or not os.environ.get("KATIB_TRIAL_NAME"):
        return
    try:
        formats = json.loads(os.environ.get("KATIB_METRICS_FORMAT") or "[]") or [_DEFAULT_FILTER]
        filters = [re.compile(f) for f in formats]
    except (ValueError, re.error) as err:
        print(f"katib: KATIB_METRICS_FORMAT cannot be used ({err}): metrics are not pushed", file=sys.stderr)
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        from katib_push_client import _katib_push
    finally:
        sys.path.pop(0)
    streams = [_MetricStream(s, names, filters, _katib_push) for s in (sys.stdout, sys.stderr) if s is not None]

    def flush_at_exit():
        for stream in streams:
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - the stream may be closed by now
                pass
        _katib_push.flush_at_exit()

    atexit.register(flush_at_exit)
    if sys.stdout is not None:
        sys.stdout = streams[0]
    if sys.stderr is not None:
        sys.stderr = streams[-1]


def _chain():
    """Runs the next sitecustomize on sys.path (a virtualenv's or the distribution's)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        folder = os.path.abspath(entry or os.getcwd())
        candidate = os.path.join(folder, "sitecustomize.py")
        if folder != here and os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_katib_shadowed_sitecustomize", candidate)
            if spec and spec.loader:
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


_install()
_chain()
