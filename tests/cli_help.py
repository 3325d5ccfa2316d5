"""What the moat program says about its own command line, read from its help.

The man page test (tests/man_agree.py) and the completion test
(tests/completions.py) compare their files with this, so that the program's
--help is the one source of the commands and flags.

- commands(moat): the commands, as `moat help NOSUCH` lists them;
- flags(moat, command): {flag: argument name or None} from `moat COMMAND --help`:
  the option lines (two to eight spaces, then a flag) and the usage lines;
- COMMON: the flags every command takes as its first argument.
"""
import os
import re
import subprocess

COMMON = ("-h", "--help", "-V", "--version")

FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def run(moat, *args):
    r = subprocess.run([os.path.abspath(moat), *args], capture_output=True, text=True, cwd="/")
    return r.returncode, r.stdout, r.stderr


def commands(moat):
    """The command names, in the program's order."""
    _, _, err = run(moat, "help", "zzzz-no-such-command")
    m = re.search(r"the commands are ([^)]*)\)", err)
    if not m:
        raise RuntimeError(f"`moat help NOSUCH` lists no commands: {err!r}")
    return [c.strip() for c in re.split(r",| and ", m.group(1)) if c.strip()]


def parse_spec(spec):
    """"-p, --policy FILE" -> {"-p": "FILE", "--policy": "FILE"}; a short flag
    written before a long one takes the long one's argument."""
    out = {}
    carried = None
    for item in reversed([i.strip() for i in spec.split(", ")]):
        words = item.split(None, 1)
        if not words or not FLAG.fullmatch(words[0]):
            continue
        arg = words[1].strip() if len(words) > 1 else None
        if arg is None and not words[0].startswith("--"):
            arg = carried
        out[words[0]] = arg
        carried = arg
    return out


def option_lines(text):
    """The flag part of each option line: "  -p, --policy FILE   load..." ->
    "-p, --policy FILE".  Continuation lines are indented further."""
    for line in text.splitlines():
        m = re.match(r"^ {2,8}(-\S.*?)(?: {2,}|$)", line)
        if m:
            yield m.group(1)


def usage_flags(text):
    """Flags named in the Usage: block (up to the first blank line)."""
    found = set()
    in_usage = False
    for line in text.splitlines():
        if line.startswith("Usage:"):
            in_usage = True
        elif not line.strip():
            in_usage = False
        if in_usage:
            found |= set(FLAG.findall(line.replace("Usage:", "")))
    return found


def flags(moat, command):
    rc, out, err = run(moat, command, "--help")
    if rc != 0:
        raise RuntimeError(f"moat {command} --help: status {rc}: {err}")
    result = {}
    for spec in option_lines(out):
        result.update(parse_spec(spec))
    for f in usage_flags(out):
        result.setdefault(f, None)
    return result


def same_arg(a, b):
    """FILE and <file>, path and PATH: the same argument name."""
    norm = lambda s: s.strip("<>").lower() if s else s
    return norm(a) == norm(b)
