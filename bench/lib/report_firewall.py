#!/usr/bin/python3
"""Markdown tables for bench/firewall.sh from the files it leaves in DIR.

    report_firewall.py DIR

Files read, all optional:
  start.json        hyperfine --export-json of the start-up commands
  start.na          one line: why start-up was not measured
  lab.na            one line: why the lab measurements did not run
  WHO.na            WHO (direct, proxy, firewall) could not run at all
  WHO-roundR.json   bench/lib/netlat.py output of round R (pooled over rounds)
  WHO-roundR.failed one line: that round's run exited non-zero
  WHO-conc.json     bench/lib/measure.py --tests concurrency (direct, firewall)
  firewall-mon.json bench/lib/monitor.py's samples of the supervisor during it
  meta.json         date, kernel, moat commit, knobs, load average
A missing figure is printed as "n/a (...)", never estimated.
"""
import glob
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_common import load_json, pct, read_text  # noqa: E402

D = sys.argv[1]
PATHS = ("direct", "proxy", "firewall")
LABEL = {"direct": "direct (no sandbox)", "proxy": "moat proxy", "firewall": "moat firewall"}


def load(name):
    return load_json(D, name)


def text(name):
    return read_text(os.path.join(D, name))


def fmt(x, nd=1):
    return "n/a" if x is None else f"{x:,.{nd}f}"


def ratio(a, b):
    return fmt(a / b, 2) if a is not None and b else "n/a"


meta = load("meta.json") or {}
rounds = {w: [load(os.path.basename(f)) for f in sorted(glob.glob(os.path.join(D, f"{w}-round*.json")))]
          for w in PATHS}
rounds = {w: [r for r in rs if r] for w, rs in rounds.items()}


def why(who):
    """Why WHO has no figure: not available, or every round failed."""
    na = text(f"{who}.na") or text("lab.na")
    if na:
        return f"n/a (not available: {na})"
    fails = [text(os.path.basename(f)) for f in sorted(glob.glob(os.path.join(D, f"{who}-round*.failed")))]
    return f"n/a (failed: {fails[0]})" if fails else "n/a (no data)"


def pool(who, *path):
    """Every sub-result at PATH of WHO's rounds; errors collected separately."""
    good, errors = [], []
    for r in rounds[who]:
        for k in path:
            r = r.get(k) if isinstance(r, dict) else None
        if not isinstance(r, dict):
            continue
        (errors if "error" in r else good).append(r)
    return good, [e["error"] for e in errors]


def us_stats(who, *path):
    good, errors = pool(who, *path)
    xs = [x for r in good for x in r.get("all_us", [])]
    failed = sum(r.get("failed", 0) for r in good) + len(errors)
    if not xs:
        return None, (f"n/a (failed: {errors[0]})" if errors else why(who))
    return {"median": statistics.median(xs), "p90": pct(xs, 0.9), "n": len(xs), "failed": failed,
            "rounds": len(good), "first": good[0]}, None


print(f"## Firewall mode ({meta.get('date', '?')}, load average {meta.get('load_start', '?')} at the "
      f"start, {meta.get('load_end', '?')} at the end)\n")
print(f"moat {meta.get('moat_commit', '?')}, kernel {meta.get('kernel', '?')}, {meta.get('cores', '?')} cores. "
      f"Command: `{meta.get('command', 'bench/firewall.sh')}`.\n")

# ---------------------------------------------------------------- start-up --
print("### Start-up with 20 rules\n")
start = load("start.json")
print(f"hyperfine `-N --warmup 10 --runs {meta.get('runs', '?')}`, run from /var/tmp, one hyperfine run. "
      "Rules: `--allow-net host1.example.com … host10.example.com --allow-net 203.0.113.1:443 … "
      "203.0.113.10:443`; bwrap: `bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true`.\n")
if not start:
    print(f"n/a ({text('start.na') or 'hyperfine produced no result'})\n")
else:
    res = {r["command"]: r for r in start["results"]}
    bw = res.get("bwrap", {}).get("median")
    print("| command | median ms | mean ± σ ms | min ms | /bwrap (median) |\n|---|---|---|---|---|")
    for name in ("moat firewall", "moat proxy", "bwrap"):
        r = res.get(name)
        if r is None:
            na = text(f"moat-{name.split()[-1]}-start.na")
            print(f"| {name} | {f'n/a (not available: {na})' if na else 'n/a'} | | | |")
            continue
        print(f"| {name} | {r['median'] * 1e3:.2f} | {r['mean'] * 1e3:.2f} ± {r['stddev'] * 1e3:.2f} | "
              f"{r['min'] * 1e3:.2f} | {ratio(r['median'], bw) if name != 'bwrap' else '1.00'} |")
    print()

if text("lab.na"):
    print(f"### In the lab\n\nn/a (not available: {text('lab.na')})")
    sys.exit(0)

# --------------------------------------------------------------------- dns --
print("### DNS: A lookups of dual.test over UDP\n")
print(f"{meta.get('dns_runs', '?')} lookups per round × {meta.get('rounds', '?')} rounds per path, one at a time, "
      "each from a fresh socket to the first nameserver of the path's /etc/resolv.conf; timed from send() "
      "to the answer (bench/lib/netlat.py). \"Added\" is the path's median minus direct's.\n")
print("| path | resolver | answer | median µs | p90 µs | added vs direct (median) | lookups (failed) |\n"
      "|---|---|---|---|---|---|---|")
dmed = None
for who in PATHS:
    s, na = us_stats(who, "dns")
    if s is None:
        print(f"| {LABEL[who]} | {na} | | | | | |")
        continue
    if who == "direct":
        dmed = s["median"]
    added = "—" if who == "direct" else (fmt(s["median"] - dmed) + " µs" if dmed is not None else "n/a")
    print(f"| {LABEL[who]} | {s['first'].get('server')} | {', '.join(s['first'].get('answers', []))} | "
          f"{fmt(s['median'])} | {fmt(s['p90'])} | {added} | {s['n']} ({s['failed']}) |")
print()

# -------------------------------------------------------------------- bulk --
print(f"### Bulk: curl `GET http://dual.test/bytes/N`, N = {meta.get('bulk_mib', '?')} MiB\n")
print(f"{meta.get('bulk_runs', '?')} downloads per round (after one warm-up) × {meta.get('rounds', '?')} rounds; "
      "curl's `%{speed_download}` in MB/s (10⁶ bytes/s), median. direct and firewall: `--noproxy '*'` "
      "(firewall: a plain connection, intercepted in the kernel); proxy: moat's HTTP proxy at "
      "127.0.0.1:3128 (`-4`) or [::1]:3128 (`-6`). \"Server reached\" is what `GET /` answered.\n")
print("| path | curl | server reached | MB/s (median) | downloads (failed) | /direct |\n|---|---|---|---|---|---|")
direct_bulk = {}
for who in PATHS:
    for fam in ("4", "6"):
        good, errors = pool(who, "bulk", fam)
        xs = [x for r in good for x in r.get("mb_s_all", [])]
        failed = sum(r.get("failed", 0) for r in good) + len(errors)
        if not xs:
            print(f"| {LABEL[who]} | `-{fam}` | | {f'n/a (failed: {errors[0]})' if errors else why(who)} | | |")
            continue
        med = statistics.median(xs)
        if who == "direct":
            direct_bulk[fam] = med
        reached = ", ".join(sorted({r.get("reached", "?") for r in good}))
        print(f"| {LABEL[who]} | `-{fam}` | {reached} | {fmt(med)} | {len(xs)} ({failed}) | "
              f"{'1.00' if who == 'direct' else ratio(med, direct_bulk.get(fam))} |")
print()

# -------------------------------------------------------------------- echo --
print("### TCP connect + 1-byte echo to dual.test:7\n")
print(f"{meta.get('lat_runs', '?')} connections per round (after 20 warm-ups) × {meta.get('rounds', '?')} rounds; "
      "median / p90 in µs. *By name*: getaddrinfo() for every connection, inside the timing; "
      "*by address*: the address resolved once (in firewall mode moat's pool address). moat proxy: "
      "SOCKS5 `CONNECT dual.test:7` with the credential (moat resolves and picks the family), "
      "to the proxy at 127.0.0.1 or [::1]; it cannot be given an address (only the name is allowed).\n")
print("| client | family | direct | moat proxy (SOCKS5) | moat firewall | firewall/direct | firewall − direct |\n"
      "|---|---|---|---|---|---|---|")
for kind, kname in (("name", "by name"), ("addr", "by address")):
    for fam in ("4", "6"):
        cells, meds = [], {}
        for who, key in (("direct", kind), ("proxy", "socks" if kind == "name" else None), ("firewall", kind)):
            if key is None:
                cells.append("n/a")
                continue
            s, na = us_stats(who, "echo", key + fam)
            if s is None:
                cells.append(na)
                continue
            meds[who] = s["median"]
            addr = f" ({s['first']['address']})" if kind == "addr" and who != "direct" else ""
            cells.append(f"{fmt(s['median'])} / {fmt(s['p90'])}{addr}"
                         + (f", {s['failed']} failed" if s["failed"] else ""))
        d, f = meds.get("direct"), meds.get("firewall")
        diff = fmt(f - d) + " µs" if d is not None and f is not None else "n/a"
        print(f"| {kname} | IPv{fam} | {' | '.join(cells)} | {ratio(f, d)} | {diff} |")
print()
fails = [text(os.path.basename(f)) for f in sorted(glob.glob(os.path.join(D, "*.failed")))]
if fails:
    print("Failed runs (their rounds are left out): " + "; ".join(fails) + "\n")

# ------------------------------------------------------------- concurrency --
conc = {w: load(f"{w}-conc.json") for w in ("direct", "firewall")}
mon = load("firewall-mon.json") or {}
n = next((c["concurrency"]["conns"] for c in conc.values()
          if c and isinstance(c.get("concurrency"), dict) and "conns" in c["concurrency"]), "?")
print(f"### {n} concurrent connections to dual.test:7: opened, pinged, held, pinged again, closed\n")
print("bench/lib/measure.py `--tests concurrency`, as in bench/proxy.sh: at most 100 set-ups in "
      "flight, each connection pings and checks its echo, all are held 1 s and pinged again, then "
      "closed. Firewall mode: the workload connects to dual.test's pool address and every "
      "connection is intercepted. Supervisor: moat's process (monitor.py), fds and RSS at "
      "baseline → all held → after closing; \"back\": its fd count returned to the baseline.\n")
print("| path | held | alive after hold | errors | open all ms | supervisor fds | back | supervisor RSS MiB |")
print("|---|---|---|---|---|---|---|---|")
for who in ("direct", "firewall"):
    c = (conc.get(who) or {}).get("concurrency")
    if not isinstance(c, dict) or "error" in c:
        print(f"| {LABEL[who]} | n/a ({c['error'] if isinstance(c, dict) else 'no data'}) | | | | | | |")
        continue
    cells = [LABEL[who], str(c["held"]), str(c["verified_after_hold"]), str(c["errors"]),
             fmt(c["open_all_ms"])]
    ph = mon.get("phases") if who == "firewall" else None
    if ph:
        sv = [(ph.get(k) or {}).get("supervisor") or {} for k in ("baseline", "held", "after")]
        st = mon.get("settle") or {}
        cells += [" → ".join(str(s.get("fds", "—")) for s in sv),
                  ("yes" if st.get("back_to_baseline") else "**no**") + f" ({st.get('seconds', '?')} s)",
                  " → ".join("—" if s.get("rss_kb") is None else f"{s['rss_kb'] / 1024:.1f}" for s in sv)]
    else:
        cells += ["—"] * 3
    print("| " + " | ".join(cells) + " |")
print()
