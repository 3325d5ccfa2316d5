"""What the report scripts (report_proxy.py, report_firewall.py) share:
reading the files a benchmark run left behind, and percentiles."""
import json
import os


def load_json(directory, name):
    """The JSON in DIRECTORY/NAME, or None when it is missing or broken."""
    try:
        with open(os.path.join(directory, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_text(path):
    """The stripped text of PATH, or None when it is missing."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def pct(xs, q):
    """The q-quantile of xs, linearly interpolated."""
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)
