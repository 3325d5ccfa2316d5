#!/usr/bin/env python3
"""Markdown tables for bench/proxy.sh from the JSON files it leaves in DIR.

    report_proxy.py DIR

Files read, all optional, for WHO in direct, srt and moat:
  WHO-roundR.json   measure.py --tests bulk,latency (pooled over rounds)
  WHO-conc.json     measure.py --tests concurrency
  WHO-mon.json      monitor.py samples taken during the concurrency run
  WHO.na            one line: why that peer could not run at all
  WHO-TESTS.failed  one line: a measurement run that exited non-zero
  start-moat.json, start-srt.json   hyperfine --export-json
  meta.json         date, kernel, versions, load average
A missing figure is printed as "n/a (...)", never estimated.
"""
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_common import load_json, pct, read_text  # noqa: E402

D = sys.argv[1]
PEERS = ("srt", "moat")


def load(name):
    return load_json(D, name)


text = read_text


def get(d, *path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def fmt(x, nd=1):
    return "—" if x is None else f"{x:,.{nd}f}"


def ratio(a, b, nd=2):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"**{a / b:.{nd}f}**"


def unavailable(who, test):
    """Why WHO has no figure for TEST: the peer is n/a, or a run failed."""
    na = text(os.path.join(D, f"{who}.na"))
    if na is not None:
        return f"n/a (not available: {na})"
    for f in sorted(glob.glob(os.path.join(D, f"{who}-*.failed"))):
        if test in os.path.basename(f):
            return f"n/a (failed: {text(f)})"
    return "n/a (not run)"


meta = load("meta.json") or {}
rounds = {w: [d for d in (load(os.path.basename(f)) for f in
                          sorted(glob.glob(os.path.join(D, f"{w}-round*.json")))) if d]
          for w in ("direct",) + PEERS}
conc = {w: load(f"{w}-conc.json") for w in ("direct",) + PEERS}
mons = {w: load(f"{w}-mon.json") for w in PEERS}


def pooled_bulk(who):
    rates, fails, errs = [], [], []
    for d in rounds[who]:
        b = d.get("bulk") or {}
        if "error" in b:
            errs.append(b["error"])
        rates += b.get("mb_s_all", [])
        fails += b.get("failures", [])
    return rates, fails + errs


def pooled_lat(who, key):
    xs, errs = [], []
    for d in rounds[who]:
        lat = d.get("latency") or {}
        if "error" in lat:
            errs.append(lat["error"])
        xs += get(lat, key, "all_us") or []
    return xs, errs


print(f"Run: {meta.get('date', '?')} · kernel {meta.get('kernel', '?')} · {meta.get('cores', '?')} cores · "
      f"srt {meta.get('srt_version', '?')} on Node {meta.get('node', '?')} · Python {meta.get('python', '?')} "
      f"(the same interpreter for every workload) · load average {meta.get('load_start', '?')} at start, "
      f"{meta.get('load_end', '?')} at end")
print()

# ---------------------------------------------------------------- start-up --
print("### Start-up: `… -- /bin/true`")
print()
print("| command | median ms | mean ms | runs |")
print("|---|---|---|---|")
med = {}
for fname in ("start-moat.json", "start-srt.json"):
    for r in (load(fname) or {}).get("results", []):
        name = r["command"]
        med[name] = statistics.median(r["times"]) * 1000
        print(f"| {name} | {med[name]:.2f} | {r['mean'] * 1000:.2f} | {len(r['times'])} |")
for who in PEERS:
    if who not in med:
        print(f"| {who} | {unavailable(who, 'start')} | | |")
print()
print(f"moat/bwrap (median, same hyperfine run): {ratio(med.get('moat'), med.get('bwrap'))} · "
      f"moat/srt (median): {ratio(med.get('moat'), med.get('srt'))} · "
      f"srt/bwrap: {ratio(med.get('srt'), med.get('bwrap'), 1)}")
print()

# -------------------------------------------------------------------- bulk --
any_round = next((d for w in rounds for d in rounds[w]), {})
mib = get(any_round, "bulk", "mib")
nr = len(rounds["direct"])
print(f"### Bulk transfer: GET of {mib} MiB from the loopback HTTP server")
print()
print(f"MB/s = 10⁶ B/s; each path's downloads pooled over {nr} interleaved rounds "
      "(direct, srt, moat, direct, …).")
print()
print("| path | MB/s median | min | max | downloads | failed | relay/direct |")
print("|---|---|---|---|---|---|---|")
bulk_med = {}
for who, label in (("direct", "direct (no sandbox, no proxy)"), ("srt", "srt (CONNECT tunnel through its proxy chain)"),
                   ("moat", "moat (CONNECT tunnel through its proxy)")):
    rates, fails = pooled_bulk(who)
    if not rates:
        why = ("error: " + "; ".join(sorted(set(fails)))[:200]) if fails else unavailable(who, "bulk")
        print(f"| {label} | {why} | | | | | |")
        continue
    bulk_med[who] = statistics.median(rates)
    rel = "1" if who == "direct" else ratio(bulk_med[who], bulk_med.get("direct"))
    f = str(len(fails)) + (" (" + "; ".join(sorted(set(fails)))[:160] + ")" if fails else "")
    print(f"| {label} | {fmt(bulk_med[who])} | {fmt(min(rates))} | {fmt(max(rates))} | {len(rates)} | {f} | {rel} |")
print()
print(f"moat/srt throughput: {ratio(bulk_med.get('moat'), bulk_med.get('srt'))} (higher is better)")
print()

# ----------------------------------------------------------------- latency --
print("### Connection set-up latency (µs)")
print()
print("Direct: TCP connect + one byte echoed by the server (one handshake + one round trip). "
      "Proxied, `CONNECT → 200`: socket + connect to the proxy + `CONNECT` until the end of the "
      "`200` response (one handshake + one round trip + the proxy's upstream connect); this "
      "against direct is the issue's \"added latency of connection set-up\". Proxied, "
      "`→ first echo`: the same, then one byte echoed through the new tunnel — the same work as "
      "the direct row plus everything the proxy adds, end to end. \"added\" = median − the "
      "direct connect + echo median. Samples pooled over the rounds.")
print()
print("| path | median | p90 | min | samples | added over direct (median) |")
print("|---|---|---|---|---|---|")


def lat_row(label, xs, base, is_base=False):
    m = statistics.median(xs)
    add = "0" if is_base else (fmt(m - base) if base is not None else "n/a")
    print(f"| {label} | {fmt(m)} | {fmt(pct(xs, 0.9))} | {fmt(min(xs))} | {len(xs)} | {add} |")
    return m


dl, errs = pooled_lat("direct", "direct_connect_echo")
base = None
if dl:
    base = lat_row("direct: connect + echo", dl, None, is_base=True)
    dc, _ = pooled_lat("direct", "direct_connect_only")
    if dc:
        print(f"| direct: connect only (for reference) | {fmt(statistics.median(dc))} | {fmt(pct(dc, 0.9))} | "
              f"{fmt(min(dc))} | {len(dc)} | |")
else:
    print(f"| direct | {('error: ' + '; '.join(errs)) if errs else unavailable('direct', 'latency')} | | | | |")
lat = {}
for who in PEERS:
    shown = False
    for key, label in (("proxy_connect_200", "CONNECT → 200"), ("proxy_connect_first_echo", "CONNECT → 200 → first echo")):
        xs, errs = pooled_lat(who, key)
        if xs:
            lat[(who, key)] = lat_row(f"{who}: {label}", xs, base)
            shown = True
    if not shown:
        why = ("error: " + "; ".join(sorted(set(errs)))[:200]) if errs else unavailable(who, "latency")
        print(f"| {who} | {why} | | | | |")
print()
print(f"moat/srt (median CONNECT → 200): "
      f"{ratio(lat.get(('moat', 'proxy_connect_200')), lat.get(('srt', 'proxy_connect_200')), 3)} (lower is better)")
print()

# ------------------------------------------------------------- concurrency --
n = next((get(c, "concurrency", "conns") for c in conc.values() if get(c, "concurrency", "conns")), "?")
print(f"### {n} concurrent connections to the echo server: opened, pinged, held, pinged again, closed")
print()
print("Supervisor = the launcher process (moat's supervisor; srt's node process, which runs its "
      "proxies). Tree = the launcher's descendants other than the workload (srt: its socat bridges, "
      "one per connection on each side of the unix socket; moat: its sandbox init). "
      "fds and RSS at baseline → all held → after closing; \"back\" = the supervisor's fd count "
      "returned to its baseline (polled every 50 ms, up to 4 s, after the last close).")
print()
print("| path | held | alive after hold | errors | open all ms | supervisor fds | back | supervisor RSS MiB | tree at held: procs, fds, Pss MiB |")
print("|---|---|---|---|---|---|---|---|---|")


def mib_(kb):
    return "—" if kb is None else f"{kb / 1024:.1f}"


for who in ("direct",) + PEERS:
    c = get(conc[who], "concurrency")
    if c is None or "error" in c:
        why = f"error: {c['error']}" if c else unavailable(who, "concurrency")
        print(f"| {who} | {why} | | | | | | | |")
        continue
    errs = str(c["errors"]) + (" " + json.dumps(c["error_kinds"]) if c["errors"] else "")
    cells = [who, str(c["held"]), str(c["verified_after_hold"]), errs, fmt(c["open_all_ms"])]
    m = mons.get(who)
    if m and m.get("phases"):
        ph = m["phases"]
        sv = [get(ph, k, "supervisor") or {} for k in ("baseline", "held", "after")]
        st = m.get("settle") or {}
        back = "yes" if st.get("back_to_baseline") else (
            "exited first" if st.get("supervisor_exited_first") else "**no**")
        t = get(ph, "held", "tree") or {}
        cells += [" → ".join(str(s.get("fds", "—")) for s in sv),
                  f"{back} ({st.get('seconds', '?')} s)" if st else "—",
                  " → ".join(mib_(s.get("rss_kb")) for s in sv) + f" (peak {mib_(sv[2].get('hwm_kb'))})",
                  f"{t.get('procs', '—')}, {t.get('fds', '—')}, {mib_(t.get('pss_kb'))}"]
    else:
        cells += ["—"] * 4
    print("| " + " | ".join(cells) + " |")
