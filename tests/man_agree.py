#!/usr/bin/env python3
"""The man pages and the program agree, both ways.

- moat(1): its commands are the program's (`moat help NOSUCH` lists them), in
  the synopsis and as sections; each command's section lists exactly the
  flags of `moat COMMAND --help`, with the same argument names; COMMON
  OPTIONS are -h/--help and -V/--version, and every command takes them; the
  version in the header is `moat --version`'s.
- moat-policy(5): its keys are the schema's (schema/policy.schema.json),
  each under its section; the network modes, read models and rlimit names
  are the schema's; the built-in protections are the schema's and the code's
  (src/policy/protected.c), each with the code's scope.
- Both render without a warning (`man --warnings -l`, `groff -ww`), and
  lexgrog reads their NAME line, as lintian does.

Run from anywhere: tests/man_agree.py [MOAT]  (default build/moat).
Prints one ok/not ok line per check and "man: N passed, N failed".
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cli_help  # noqa: E402

from checks import check, finish, read, same

MOAT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(TOP, "build/moat")
PAGES = {"moat.1": os.path.join(TOP, "man/moat.1"),
         "moat-policy.5": os.path.join(TOP, "man/moat-policy.5")}
SECTIONS = ("filesystem", "network", "process")


# ---- a little roff ---------------------------------------------------------------

def roff_args(rest):
    """A macro's arguments: blank-separated, "double quoted" ones whole."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', rest)]


def roff_text(line):
    """The text a line shows: font macros joined as they print (alternating
    ones without a space), escapes for fonts, hyphens and quotes undone."""
    m = re.match(r"^\.(BR|RB|BI|IB|IR|RI|B|I)\s+(.*)$", line)
    if m:
        args = roff_args(m.group(2))
        text = " ".join(args) if m.group(1) in ("B", "I") else "".join(args)
    else:
        text = line
    text = re.sub(r"\\f[BIRP]", "", text)
    return (text.replace(r"\-", "-").replace(r"\(dq", '"').replace(r"\(ti", "~")
            .replace(r"\&", "").replace(r"\e", "\\"))


def sections(lines, macro):
    """{heading: [lines]} for each .SH or .SS heading."""
    out, name = {}, None
    for line in lines:
        m = re.match(r"^\.%s\s+(.*)$" % macro, line)
        if m:
            name = " ".join(roff_args(m.group(1)))
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return out


def items(lines):
    """[(tag line, [body lines])] for each .TP in lines, nested .RS blocks
    left in the body of the item they follow."""
    out, depth, i = [], 0, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".RS"):
            depth += 1
        elif line.startswith(".RE"):
            depth -= 1
        if depth == 0 and line.startswith(".TP") and i + 1 < len(lines):
            out.append((lines[i + 1], []))
            i += 2
            continue
        if out and not re.match(r"^\.(SH|SS)\b", line):
            out[-1][1].append(line)
        i += 1
    return out


# ---- moat(1) ---------------------------------------------------------------------

page1 = read(PAGES["moat.1"]).splitlines()
sh1 = sections(page1, "SH")

rc, out, _ = cli_help.run(MOAT, "--version")
version = out.split()[-1] if rc == 0 and out.startswith("moat ") else None
check(version is not None, "moat --version prints a version", out)
for name, path in PAGES.items():
    th = next((l for l in read(path).splitlines() if l.startswith(".TH ")), "")
    check(f'"moat {version}"' in th, f"{name}: the header carries moat {version}", th)

program_commands = cli_help.commands(MOAT)
check(len(program_commands) >= 5, "the program lists its commands", program_commands)
commands_sh = sections(sh1.get("COMMANDS", []), "SS")
same(commands_sh, program_commands, "moat.1's COMMANDS are the program's", "man", "program")
synopsis = sh1.get("SYNOPSIS", [])
syn_commands = {roff_args(synopsis[i + 1][3:])[0] for i, l in enumerate(synopsis)
                if l.startswith(".SY") and i + 1 < len(synopsis) and synopsis[i + 1].startswith(".B ")}
same(syn_commands, program_commands, "moat.1's SYNOPSIS names every command", "man", "program")

for command in program_commands:
    help_flags = cli_help.flags(MOAT, command)
    man_flags = {}
    for tag, _ in items(commands_sh.get(command, [])):
        man_flags.update(cli_help.parse_spec(roff_text(tag)))
    common = set(cli_help.COMMON)
    same(set(man_flags) | common, set(help_flags) | common,
         f"moat.1 lists the flags of `moat {command} --help`, and only those", "man", "help")
    wrong = [f"{f}: man {man_flags[f]!r}, help {help_flags[f]!r}" for f in man_flags
             if help_flags.get(f) and not cli_help.same_arg(man_flags[f], help_flags[f])]
    check(not wrong, f"moat.1 names the arguments of moat {command}'s flags as its help does",
          "\n".join(wrong))

common_items = {}
for tag, _ in items(sh1.get("COMMON OPTIONS", [])):
    common_items.update(cli_help.parse_spec(roff_text(tag)))
same(common_items, cli_help.COMMON, "moat.1's COMMON OPTIONS", "man", "expected")
bad = []
for command in program_commands:
    _, help_out, _ = cli_help.run(MOAT, "help", command)
    for flag in ("-h", "--help"):
        rc, out, err = cli_help.run(MOAT, command, flag)
        if rc != 0 or out != help_out:
            bad.append(f"moat {command} {flag}: status {rc}, {(out + err)[:80]!r}")
    for flag in ("-V", "--version"):
        rc, out, err = cli_help.run(MOAT, command, flag)
        if rc != 0 or out != f"moat {version}\n":
            bad.append(f"moat {command} {flag}: status {rc}, {(out + err)[:80]!r}")
check(not bad, "every command takes the common options first, as moat.1 says", "\n".join(bad))

schema = json.loads(read(os.path.join(TOP, "schema/policy.schema.json")))
modes = schema["properties"]["network"]["properties"]["mode"]["enum"]
network_item = [body for tag, body in items(commands_sh.get("run", []))
                if roff_text(tag).startswith("--network ")]
named = {m.group(1) for body in network_item for l in body for m in [re.match(r"^\.B (\w+)$", l)] if m}
same(named, modes, "moat.1's --network names every mode of the schema", "man", "schema")

# ---- moat-policy(5) --------------------------------------------------------------

page5 = read(PAGES["moat-policy.5"]).splitlines()
sh5 = sections(page5, "SH")
schema_keys = {f"{s}.{k}" for s in SECTIONS for k in schema["properties"][s]["properties"]}
man_keys, misplaced, key_body = set(), [], {}
for heading, lines in sh5.items():
    for tag, body in items(lines):
        m = re.match(r"^\.B (\$schema|(?:%s)\.\w+)$" % "|".join(SECTIONS), tag)
        if not m:
            continue
        key = m.group(1)
        man_keys.add(key)
        key_body[key] = body
        want = "TOP LEVEL" if key == "$schema" else key.split(".")[0].upper()
        if heading != want:
            misplaced.append(f"{key} under {heading}")
check(len(man_keys) > 20, "moat-policy.5's keys were found", sorted(man_keys))
same(man_keys, schema_keys | {"$schema"}, "moat-policy.5 documents every key of the schema, "
     "and only those", "man", "schema")
check(not misplaced, "each key is under its section's heading", "\n".join(misplaced))


def quoted_values(body, stop=".RS"):
    """The \\(dq...\\(dq values of an item's body, up to a nested list."""
    vals = set()
    for line in body:
        if line.startswith(stop):
            break
        vals |= set(re.findall(r"\\\(dq(\w+)\\\(dq", line))
    return vals


same(quoted_values(key_body.get("network.mode", [])), modes,
     "moat-policy.5 gives network.mode's values as the schema does", "man", "schema")
mode_items = {roff_text(t).strip() for t, _ in items(
    [l for l in key_body.get("network.mode", []) if not l.startswith((".RS", ".RE"))])}
same(mode_items, modes, "moat-policy.5 describes each network mode", "man", "schema")
read_models = schema["properties"]["filesystem"]["properties"]["read"]["enum"]
same(quoted_values(key_body.get("filesystem.read", [])), read_models,
     "moat-policy.5 gives filesystem.read's values as the schema does", "man", "schema")

rlimit_line = next((page5[i + 1] for i, l in enumerate(page5) if l == '.\\" rlimit-names'), "")
man_rlimits = {a.rstrip(".") for a in roff_args(rlimit_line[3:]) if a.strip(", .")}
schema_rlimits = schema["properties"]["process"]["properties"]["rlimits"]["propertyNames"]["enum"]
same(man_rlimits, schema_rlimits, "moat-policy.5 names the schema's rlimits", "man", "schema")

protected_c = read(os.path.join(TOP, "src/policy/protected.c"))
code_scope = {}
for m in re.finditer(r'(ANY|HOME|GITDIR)\("([^"]+)"\)|\{ (PROTECTED_\w+_ENTRY), \w+, (PROTECT_\w+) \}',
                     protected_c):
    if m.group(1):
        code_scope[(".git/" if m.group(1) == "GITDIR" else "") + m.group(2)] = \
            {"ANY": "anywhere", "HOME": "home", "GITDIR": "git"}[m.group(1)]
    else:
        code_scope[{"PROTECTED_GIT_ENTRY": ".git", "PROTECTED_PATH_ENTRY": "PATH"}[m.group(3)]] = \
            {"PROTECT_ANYWHERE": "anywhere", "PROTECT_HOME": "home"}[m.group(4)]
check(len(code_scope) > 40, "src/policy/protected.c's table was found", sorted(code_scope))
man_scope = {}
for tag, body in items(sh5.get("BUILT-IN PROTECTIONS", [])):
    scope = re.match(r"^Scope (\w+)\.", body[0]) if body else None
    for name in roff_text(tag).removeprefix(".B ").split(", "):
        man_scope[name.strip()] = scope.group(1) if scope else None
same(man_scope, schema["$defs"]["protectionName"]["enum"],
     "moat-policy.5's built-in protections are the schema's", "man", "schema")
same(man_scope, code_scope, "moat-policy.5's built-in protections are the code's", "man", "code")
wrong = [f"{n}: man says {man_scope[n]}, code {code_scope[n]}" for n in man_scope
         if n in code_scope and man_scope[n] != code_scope[n]]
check(not wrong, "each protection's scope in moat-policy.5 is the code's", "\n".join(wrong))

# ---- rendering ---------------------------------------------------------------------

env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
for name, path in PAGES.items():
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", path], capture_output=True,
                       text=True, env=env)
    check(r.returncode == 0 and not r.stderr.strip() and "SEE ALSO" in r.stdout,
          f"man --warnings -l {name}: no warning", r.stderr)
    r = subprocess.run(["groff", "-ww", "-man", "-Tutf8", "-z", path], capture_output=True,
                       text=True)
    check(r.returncode == 0 and not r.stderr.strip(), f"groff -ww {name}: no warning", r.stderr)
    r = subprocess.run(["lexgrog", path], capture_output=True, text=True)
    title = name.rsplit(".", 1)[0]
    check(r.returncode == 0 and f'"{title} - ' in r.stdout, f"lexgrog reads {name}'s NAME line",
          r.stdout + r.stderr)

finish("man")
