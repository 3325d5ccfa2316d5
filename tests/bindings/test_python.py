#!/usr/bin/env python3
"""The Python binding (bindings/python) against the real libmoat.so: policies
from JSON and from code, streams, violations, kill, bad policies, a pty,
threads, the library lookup and the README's example.  Each test runs in a
fresh directory under /var/tmp (the sandbox's /tmp is private) and prints
"ok - NAME" or "not ok - NAME"; the last line is "N passed, N failed".
Runs as whoever starts it (tests/run_all.sh: root and uid 65534).
    MOAT_LIBRARY=.../libmoat.so.1 python3 tests/bindings/test_python.py [README]
"""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import moat_sandbox as moat

TESTS = []
README = sys.argv[1] if len(sys.argv) > 1 else None


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def expect_eq(got, want, what="value"):
    if got != want:
        raise Fail(f"{what}: got {got!r}, want {want!r}")


def expect_raises(cls, fn, what):
    try:
        fn()
    except cls as e:
        return e
    raise Fail(f"{what}: no {cls.__name__} raised")


def processes(pattern):
    r = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return r.stdout.split()


def expect_no_process(pattern):
    for _ in range(40):
        if not processes(pattern):
            return
        time.sleep(0.05)
    raise Fail(f"a process matching {pattern!r} is still alive")


# ---- the package --------------------------------------------------------------

@test
def the_installed_package_is_imported(work):
    prefix = os.environ.get("MOAT_PY_PREFIX")
    expect(prefix, "MOAT_PY_PREFIX is not set (the venv the package was pip-installed into)")
    expect(os.path.realpath(moat.__file__).startswith(os.path.realpath(prefix)),
           f"moat_sandbox comes from {moat.__file__}, not from the venv {prefix}")


@test
def library_from_moat_library_then_the_system_loader(work):
    lib = os.environ["MOAT_LIBRARY"]
    code = "import moat_sandbox as m; print(m.Policy().network_mode)"
    env = dict(os.environ, MOAT_LIBRARY="/nonexistent/libmoat.so.1")
    r = subprocess.run([sys.executable, "-c", "import moat_sandbox as m\ntry:\n m.Policy()\n"
                        "except m.LibraryError as e: print('LibraryError', e)"],
                       env=env, capture_output=True, text=True)
    expect("LibraryError cannot load /nonexistent/libmoat.so.1 (from MOAT_LIBRARY)" in r.stdout,
           f"a missing MOAT_LIBRARY: {r.stdout!r} {r.stderr!r}")
    env = {k: v for k, v in os.environ.items() if k != "MOAT_LIBRARY"}
    env["LD_LIBRARY_PATH"] = os.path.dirname(lib)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    expect_eq(r.stdout.strip(), "none", f"through the system loader ({r.stderr.strip()})")


# ---- policies -----------------------------------------------------------------

@test
def a_policy_file_runs_a_command_and_reads_its_stdout(work):
    os.mkdir(f"{work}/w")
    path = f"{work}/policy.json"
    with open(path, "w") as f:  # allowWrite relative to the file's directory
        json.dump({"filesystem": {"allowWrite": ["w"]}, "network": {"mode": "none"}}, f)
    policy = moat.Policy.from_file(path)
    script = f"echo hello > {work}/w/out && cat {work}/w/out; echo no > {work}/outside || echo refused"
    with moat.spawn(policy, ["sh", "-c", script], stdout=moat.PIPE, stderr=moat.DEVNULL) as sb:
        out = sb.stdout.read()
        expect_eq(sb.wait(), 0, "status")
    expect_eq(out, b"hello\nrefused\n", "stdout")
    expect(os.path.exists(f"{work}/w/out"), "the allowed write did not land")
    expect(not os.path.exists(f"{work}/outside"), "a write outside allowWrite landed")


@test
def a_policy_built_in_code_hides_denied_files(work):
    with open(f"{work}/secret", "w") as f:
        f.write("the-secret\n")
    policy = moat.Policy.from_dict({"filesystem": {"denyRead": [f"{work}/secret"]}})
    with moat.spawn(policy, ["sh", "-c", f"cat {work}/secret; echo end"], stdout=moat.PIPE,
                    stderr=moat.PIPE) as sb:
        out, err = sb.communicate()
    expect_eq(out, b"end\n", "stdout (the secret must not show)")
    expect_eq(moat.run(policy, ["sh", "-c", "exit 7"]), 7, "run()'s status")


@test
def streams_in_text_mode_line_by_line(work):
    with moat.spawn(moat.Policy(), ["sh", "-c", "while read l; do echo \"<$l>\"; done; echo bye >&2"],
                    stdin=moat.PIPE, stdout=moat.PIPE, stderr=moat.PIPE, text=True) as sb:
        sb.stdin.write("one\n")
        sb.stdin.flush()
        expect_eq(sb.stdout.readline(), "<one>\n", "first line back")
        sb.stdin.write("two\n")
        sb.stdin.close()
        expect_eq(sb.stdout.read(), "<two>\n", "the rest")
        expect_eq(sb.stderr.read(), "bye\n", "stderr")
        expect_eq(sb.wait(), 0, "status")


@test
def communicate_writes_input_and_reads_both(work):
    with moat.spawn(moat.Policy(), ["sh", "-c", "cat; echo err >&2; exit 5"], stdin=moat.PIPE,
                    stdout=moat.PIPE, stderr=moat.PIPE) as sb:
        big = b"x" * 300000  # more than a pipe holds, both ways
        out, err = sb.communicate(big)
    expect_eq(len(out), len(big), "stdout length")
    expect_eq(err, b"err\n", "stderr")
    expect_eq(sb.status, 5, "status")


@test
def env_is_what_pass_env_picks_from(work):
    policy = moat.Policy.from_dict({"process": {"passEnv": ["MOAT_PY_A"]}})
    with moat.spawn(policy, ["sh", "-c", "echo \"$MOAT_PY_A/$MOAT_PY_B\""], stdout=moat.PIPE,
                    env={"MOAT_PY_A": "a", "MOAT_PY_B": "b"}) as sb:
        expect_eq(sb.communicate()[0], b"a/\n", "only the passEnv variable passes")


@test
def a_bad_policy_file_names_file_line_column_and_json_path(work):
    path = f"{work}/bad.json"
    with open(path, "w") as f:
        f.write('{\n  "network": {\n    "mode": "everywhere"\n  }\n}\n')
    e = expect_raises(moat.PolicyError, lambda: moat.Policy.from_file(path), "bad mode")
    expect(re.match(re.escape(path) + r":3:\d+: \$\.network\.mode: ", str(e)),
           f"message: {e}")
    expect(isinstance(e, ValueError) and isinstance(e, moat.MoatError), "PolicyError's bases")
    expect_eq(e.errno, errno.EINVAL, "errno")


@test
def a_bad_policy_dict_names_the_json_path(work):
    e = expect_raises(moat.PolicyError,
                      lambda: moat.Policy.from_dict({"filesystem": {"allowWrite": "w"}}),
                      "allowWrite as a string")
    expect(str(e).startswith("<dict>:3:") and "$.filesystem.allowWrite" in str(e),
           f"message: {e}")
    e = expect_raises(moat.PolicyError, lambda: moat.Policy.from_json("{\"network\": "),
                      "truncated JSON")
    expect(str(e).startswith("<json>:1:"), f"message: {e}")


@test
def finalize_refuses_what_cannot_be_enforced_and_warns(work):
    p = moat.Policy.from_dict({"network": {"mode": "host", "deny": ["example.com"]}})
    e = expect_raises(moat.PolicyError, p.finalize, "deny in mode host")
    expect("$.network.deny" in str(e) and "host" in str(e), f"message: {e}")
    expect_raises(moat.PolicyError, lambda: moat.spawn(p, ["true"]), "spawn finalizes")
    p = moat.Policy.from_dict({"network": {"mode": "none", "allow": ["example.com"]}}).finalize()
    expect(any("$.network.allow" in w and "no effect" in w for w in p.warnings),
           f"warnings: {p.warnings}")


@test
def to_json_is_the_effective_policy(work):
    p = moat.Policy.from_dict({"network": {"mode": "proxy", "allow": ["example.com"]}}).finalize()
    expect_eq(p.network_mode, "proxy", "network_mode")
    d = p.to_dict()
    expect_eq(d["network"]["mode"], "proxy", "to_dict's mode")
    expect("example.com" in d["network"]["allow"], f"to_dict's allow: {d['network']}")
    q = moat.Policy.from_json(p.to_json()).finalize()
    expect_eq(q.to_dict(), d, "loading to_json() again")


@test
def a_policy_in_use_cannot_change(work):
    p = moat.Policy()
    sb = moat.spawn(p, ["sleep", "313.4"])
    e = expect_raises(moat.MoatError, lambda: p.load_dict({"network": {"mode": "proxy"}}),
                      "changing a policy a sandbox runs under")
    expect_eq(e.errno, errno.EBUSY, "errno")
    sb.close()
    p.load_dict({"network": {"mode": "proxy"}})
    expect_eq(p.network_mode, "proxy", "after the sandbox closed")
    expect_no_process("sleep 313.4")


# ---- violations -----------------------------------------------------------------

@test
def a_violation_reaches_the_callback_the_iterator_and_the_log(work):
    os.mkdir(f"{work}/w")
    policy = moat.Policy.from_dict({"filesystem": {"allowWrite": [f"{work}/w"]}})
    seen = []
    with moat.spawn(policy, ["sh", "-c", f"echo x > {work}/w/.bashrc; exit 0"],
                    stderr=moat.DEVNULL, log=f"{work}/log.jsonl", on_violation=seen.append) as sb:
        from_iter = list(sb.violations())
        expect_eq(sb.status, 0, "status")
    expect_eq(len(seen), 1, f"callback calls ({seen})")
    v = seen[0]
    expect_eq(v["kind"], "file", "kind")
    expect_eq(v["destination"], f"{work}/w/.bashrc", "destination")
    expect(".bashrc" in v["reason"], f"reason: {v['reason']}")
    expect_eq(from_iter, seen, "the iterator")
    expect_eq(sb.violation_log, seen, "violation_log")
    with open(f"{work}/log.jsonl") as f:
        expect_eq([json.loads(line) for line in f], seen, "the log file")
    expect(not os.path.exists(f"{work}/w/.bashrc"), ".bashrc was created")


# ---- running ----------------------------------------------------------------------

@test
def kill_a_running_command(work):
    with moat.spawn(moat.Policy(), ["sleep", "313.1"]) as sb:
        expect_eq(sb.try_wait(), None, "try_wait while it runs")
        expect(sb.pid > 0, "pid")
        expect_eq(sb.kill(signal.SIGTERM), True, "kill(SIGTERM)")
        expect_eq(sb.wait(), 128 + signal.SIGTERM, "status")
        expect_eq(sb.kill(), False, "kill after the end")
    with moat.spawn(moat.Policy(), ["sleep", "313.1"]) as sb:
        sb.kill()
        expect_eq(sb.wait(), 128 + signal.SIGKILL, "status after SIGKILL")
    expect_no_process("sleep 313.1")


@test
def leaving_the_with_block_kills_what_runs(work):
    with moat.spawn(moat.Policy(), ["sleep", "313.2"]) as sb:
        for _ in range(100):
            if processes("sleep 313.2"):
                break
            time.sleep(0.02)
        expect(processes("sleep 313.2"), "the command never started")
    expect_no_process("sleep 313.2")


@test
def timeouts_of_the_caller_and_of_the_policy(work):
    with moat.spawn(moat.Policy(), ["sleep", "313.3"]) as sb:
        expect_raises(moat.TimeoutExpired, lambda: sb.wait(0.2), "wait(0.2)")
        expect_eq(sb.try_wait(), None, "still running after the caller's timeout")
    e = expect_raises(moat.TimeoutExpired,
                      lambda: moat.run(moat.Policy(), ["sleep", "313.3"], timeout=0.3), "run(timeout)")
    expect(isinstance(e, TimeoutError), "TimeoutExpired is a TimeoutError")
    expect_no_process("sleep 313.3")
    p = moat.Policy.from_dict({"process": {"timeout": 1}})
    expect_eq(moat.run(p, ["sleep", "313.3"]), 124, "the policy's timeout")


@test
def a_command_that_cannot_be_executed_is_127_with_the_reason(work):
    with moat.spawn(moat.Policy(), ["/nonexistent/command"]) as sb:
        expect_eq(sb.wait(), 127, "status")
        expect_eq(sb.exec_error,
                  "cannot execute /nonexistent/command: No such file or directory", "exec_error")


@test
def a_setup_failure_is_a_setup_error(work):
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    e = expect_raises(moat.SetupError, lambda: moat.spawn(moat.Policy(), ["true"], pass_fds=[r]),
                      "a closed descriptor to pass")
    expect(f"descriptor {r}" in str(e) and "not open" in str(e), f"message: {e}")
    expect_eq(e.errno, errno.EBADF, "errno")


@test
def a_pty_with_a_window_size_and_a_resize(work):
    with moat.spawn(moat.Policy(), ["sh", "-c", "tty; stty size"], pty=(33, 99)) as sb:
        out, _ = sb.communicate()
    expect_eq(out.replace(b"\r", b""), b"/dev/pts/0\n33 99\n", "tty and size")
    with moat.spawn(moat.Policy(), ["sh", "-c", "read x; stty size; echo \"got $x\""],
                    pty=True) as sb:
        sb.resize(40, 100)
        sb.pty.write(b"typed\n")
        out, _ = sb.communicate()
    expect(b"40 100\r\ngot typed\r\n" in out, f"after resize: {out!r}")
    with moat.spawn(moat.Policy(), ["true"]) as sb:
        e = expect_raises(moat.MoatError, lambda: sb.resize(1, 1), "resize without a pty")
        expect_eq(e.errno, errno.ENOTTY, "errno")


@test
def spawn_from_threads_while_others_run(work):
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            [dict(a=i) for i in range(200)]

    busies = [threading.Thread(target=busy) for _ in range(2)]
    for t in busies:
        t.start()
    results, errors = {}, []

    def one(i):
        try:
            with moat.spawn(moat.Policy(), ["sh", "-c", f"echo {i}; exit {i}"], stdout=moat.PIPE) as sb:
                results[i] = (sb.communicate()[0], sb.status)
        except Exception as e:  # reported below
            errors.append(repr(e))

    spawners = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in spawners:
        t.start()
    for t in spawners:
        t.join()
    stop.set()
    for t in busies:
        t.join()
    expect_eq(errors, [], "errors")
    expect_eq(results, {i: (f"{i}\n".encode(), i) for i in range(6)}, "each thread's result")


@test
def the_readme_example_runs(work):
    expect(README, "no README given")
    with open(README) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    expect_eq(len(blocks), 1, "python examples in the README")
    r = subprocess.run([sys.executable, "-c", blocks[0]], cwd=work, capture_output=True, text=True,
                       timeout=60)
    expect_eq(r.returncode, 0, f"exit status ({r.stderr.strip()})")
    expect("hello status 2" in r.stdout, f"output: {r.stdout!r}")
    expect(f"denied: file {work}/.bashrc" in r.stdout, f"output: {r.stdout!r}")


def main():
    who = os.environ.get("USER") or str(os.getuid())
    try:
        import pwd
        who = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        pass
    passed = failed = 0
    for t in TESTS:
        work = tempfile.mkdtemp(prefix="moat-e2e.py.", dir=os.environ.get("MOAT_TEST_DIR", "/var/tmp"))
        try:
            t(work)
            passed += 1
            print(f"ok - {t.__name__} (python, {who})", flush=True)
        except Exception:
            failed += 1
            print(f"not ok - {t.__name__} (python, {who})", flush=True)
            for line in traceback.format_exc().splitlines()[-12:]:
                print("    " + line, flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"python binding ({who}): {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
