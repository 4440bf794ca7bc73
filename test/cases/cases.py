"""The shared case tables (metric-values.json, metric-names.json, retry.json), decoded for the
Python clients' tests, as test/cases/cases.ts decodes them for TypeScript."""

import json
import math
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name):
    with open(os.path.join(_HERE, name), encoding="utf-8") as f:
        return json.load(f)["cases"]


def _build(text):
    if isinstance(text, str):
        return text
    return text.get("prefix", "") + text["repeat"] * text["times"] + text.get("suffix", "")


def _number(n):
    if n is None:
        return None
    if n in ("Infinity", "-Infinity", "-0"):
        return {"Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}[n]
    return float(n)


VALUE_CASES = [dict(c, value=_build(c["value"]), number=_number(c["number"])) for c in _load("metric-values.json")]
NAME_CASES = [dict(c, name=_build(c["name"])) for c in _load("metric-names.json")]
RETRY_CASES = _load("retry.json")
