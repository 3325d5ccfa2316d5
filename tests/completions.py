#!/usr/bin/env python3
"""The bash and zsh completions offer what the program takes, and only that.

- bash (completions/moat.bash), sourced into a plain bash and driven through
  COMP_WORDS/COMP_CWORD as readline would: `moat <TAB>` and `moat help
  <TAB>` give the program's commands, `moat r` gives run, `moat run --ti`
  gives --timeout, each command's `-<TAB>` gives exactly the flags of its
  --help (and the common ones), a flag whose help shows its values (a|b|c)
  offers those values, --network, --read-model, --unprotect and --rlimit
  offer the schema's, policy files are *.json (and directories), flag=VALUE
  works, and after `moat run --` (or its first operand) moat's flags are no
  longer offered.
- zsh (completions/_moat): the flags in each command's _arguments list are
  exactly those of its --help (and the common ones), the values are the
  schema's and the help's; zsh reads the file (zsh -n) and compinit binds it
  to moat.

Run from anywhere: tests/completions.py [MOAT]  (default build/moat).
Prints one ok/not ok line per check and "completions: N passed, N failed".
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cli_help  # noqa: E402

from checks import check, finish, same

MOAT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(TOP, "build/moat")
BASH_FILE = os.path.join(TOP, "completions/moat.bash")
ZSH_FILE = os.path.join(TOP, "completions/_moat")


schema = json.load(open(os.path.join(TOP, "schema/policy.schema.json")))
props = {s: schema["properties"][s]["properties"] for s in ("filesystem", "network", "process")}
commands = cli_help.commands(MOAT)
help_flags = {c: cli_help.flags(MOAT, c) for c in commands}

# ---- bash ----------------------------------------------------------------------

work = tempfile.mkdtemp(prefix="moat-completions.", dir="/var/tmp")
os.makedirs(os.path.join(work, "sub"))
for name in ("policy.json", "other.json", "notes.txt"):
    open(os.path.join(work, name), "w").close()

DRIVER = r'''
set -u
source "$1"; shift
complete -p moat >/dev/null || { echo "no completion bound to moat"; exit 1; }
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
_moat moat "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete(*words):
    """What bash offers for `moat WORDS...`, the last word being typed."""
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", DRIVER, "bash", BASH_FILE,
                        "moat", *words], capture_output=True, text=True, cwd=work,
                       env=dict(os.environ, PATH="/usr/bin:/bin"))
    if r.returncode != 0 or r.stderr:
        return {f"<bash failed: {r.returncode} {r.stdout} {r.stderr}>"}
    return {w for w in r.stdout.split("\n") if w}


try:
    same(complete(""), commands, "bash: `moat <TAB>` offers the program's commands",
         "bash", "program")
    same(complete("help", ""), commands, "bash: `moat help <TAB>` offers the commands", "bash",
         "program")
    check(complete("r") == {"run"}, "bash: `moat r` completes to run", complete("r"))
    check(complete("run", "--ti") == {"--timeout"}, "bash: `moat run --ti` completes to --timeout",
          complete("run", "--ti"))
    same(complete("-"), cli_help.COMMON, "bash: `moat -<TAB>` offers the common flags", "bash",
         "expected")

    for command in commands:
        want = set(help_flags[command]) | set(cli_help.COMMON)
        same(complete(command, "-"), want,
             f"bash: `moat {command} -<TAB>` offers exactly the flags of its --help", "bash",
             "help")
    same(complete("run", "--quiet", "-p", "x.json", "--no-"),
         {f for f in help_flags["run"] if f.startswith("--no-")},
         "bash: flags after other flags and their values", "bash", "help")

    # Values: the ones a flag's help shows as a|b|c, and the schema's sets.
    for command in commands:
        for flag, arg in help_flags[command].items():
            if arg and "|" in arg:
                same(complete(command, flag, ""), arg.split("|"),
                     f"bash: `moat {command} {flag} <TAB>` offers {arg}", "bash", "help")
    same(complete("run", "--network", ""), props["network"]["mode"]["enum"],
         "bash: --network offers the schema's modes", "bash", "schema")
    same(complete("run", "--read-model", ""), props["filesystem"]["read"]["enum"],
         "bash: --read-model offers the schema's read models", "bash", "schema")
    same(complete("run", "--unprotect", ""), schema["$defs"]["protectionName"]["enum"],
         "bash: --unprotect offers the schema's protection names", "bash", "schema")
    same(complete("run", "--rlimit", ""),
         [n + "=" for n in props["process"]["rlimits"]["propertyNames"]["enum"]],
         "bash: --rlimit offers the schema's limits, NAME=", "bash", "schema")

    json_files = {"policy.json", "other.json", "sub"}
    same(complete("run", "--policy", ""), json_files,
         "bash: --policy offers *.json files and directories", "bash", "expected")
    same(complete("run", "-p", "o"), {"other.json"}, "bash: -p o completes other.json", "bash",
         "expected")
    same(complete("run", "--policy", "=", ""), json_files, "bash: --policy=<TAB> too", "bash",
         "expected")
    same(complete("check", ""), json_files, "bash: `moat check <TAB>` offers *.json files",
         "bash", "expected")
    same(complete("check", "--format", "mxc", ""), json_files,
         "bash: `moat check --format mxc <TAB>` offers *.json files", "bash", "expected")
    same(complete("run", "--cwd", ""), {"sub"}, "bash: --cwd offers directories", "bash",
         "expected")
    same(complete("run", "--allow-write", "n"), {"notes.txt"}, "bash: --allow-write offers files",
         "bash", "expected")

    check("echo" in complete("run", "--", "ech"), "bash: after `moat run --`, a command",
          complete("run", "--", "ech"))
    check("echo" in complete("run", "--quiet", "ech"), "bash: `moat run --quiet ech`: a command",
          complete("run", "--quiet", "ech"))
    check(not complete("run", "--", "ls", "--ti"),
          "bash: moat's flags are not offered to the sandboxed command (after --)",
          complete("run", "--", "ls", "--ti"))
    check(not complete("run", "ls", "--ti"),
          "bash: nor after run's first operand, which starts the command",
          complete("run", "ls", "--ti"))
    check(not complete("run", "-c", "ls", "ech"),
          "bash: no command after -c STRING, which is the whole command",
          complete("run", "-c", "ls", "ech"))
    check(complete("run", "-c", "ls", "--ti") == {"--timeout"},
          "bash: flags after -c STRING are still moat's", complete("run", "-c", "ls", "--ti"))
finally:
    shutil.rmtree(work)

# ---- zsh -----------------------------------------------------------------------

zsh_text = open(ZSH_FILE, encoding="utf-8").read()


def zsh_function(name):
    m = re.search(r"^%s\(\) \{\n(.*?)^\}" % re.escape(name), zsh_text, re.S | re.M)
    return m.group(1) if m else ""


def zsh_flags(body):
    """Flags of the one-per-line specs of an _arguments list: {-p+,--policy=}
    brace pairs, or '--flag[...]' / '*--flag=[...]' / '(excl)--flag[...]'."""
    found, excluded = set(), set()
    for line in body.splitlines():
        line = line.strip()
        for m in re.finditer(r"'\(([^)]*)\)'?", line):
            excluded |= {w for w in m.group(1).split() if w.startswith("-") and w != "-"}
        brace = re.search(r"\{(-[^}]*)\}", line)
        if brace:
            found |= {f.rstrip("+=-") for f in brace.group(1).split(",")}
            continue
        m = re.match(r"^'(?:\([^)]*\))?\*?(--?[A-Za-z][\w-]*?)[+=]?-?\[", line)
        if m:
            found.add(m.group(1))
    return found, excluded


def zsh_values(body, flag):
    """The (a b c) value list of FLAG's spec."""
    for line in body.splitlines():
        if re.search(r"(?<![\w-])%s[+=]?-?\[" % re.escape(flag), line) or \
                re.search(r"[{,]%s[+=]?[,}]" % re.escape(flag), line):
            m = re.search(r":\(([^)]*)\)'", line)
            return set(m.group(1).split()) if m else None
    return None


common_body = re.search(r"^_moat_common=\((.*?)^\)", zsh_text, re.S | re.M)
zsh_common, _ = zsh_flags(common_body.group(1) if common_body else "")
same(zsh_common, cli_help.COMMON, "zsh: _moat_common holds the common flags", "zsh", "expected")
commands_block = re.search(r"commands=\((.*?)\n  \)", zsh_function("_moat"), re.S)
zsh_commands = set(re.findall(r"^    '(\w+):", commands_block.group(1) if commands_block else "",
                              re.M))
same(zsh_commands, commands, "zsh: the commands are the program's", "zsh", "program")

for command in commands:
    body = zsh_function(f"_moat_{command}")
    if not body:
        # doctor, connect and help take only the common flags
        want = set(help_flags[command]) - set(cli_help.COMMON)
        check(not want, f"zsh: moat {command} has no flags of its own to offer", sorted(want))
        continue
    found, excluded = zsh_flags(body)
    check("$_moat_common" in body, f"zsh: moat {command} offers the common flags")
    same(found | set(cli_help.COMMON), set(help_flags[command]) | set(cli_help.COMMON),
         f"zsh: moat {command}'s _arguments offer exactly the flags of its --help", "zsh", "help")
    check(excluded <= found | set(cli_help.COMMON),
          f"zsh: moat {command}'s exclusion lists name only its flags", sorted(excluded - found))
    for flag, arg in help_flags[command].items():
        if arg and "|" in arg:
            same(zsh_values(body, flag) or set(), arg.split("|"),
                 f"zsh: moat {command} {flag} offers {arg}", "zsh", "help")

run_body = zsh_function("_moat_run")
same(zsh_values(run_body, "--network") or set(), props["network"]["mode"]["enum"],
     "zsh: --network offers the schema's modes", "zsh", "schema")
arrays = {n: set(v.split()) for n, v in re.findall(r"^(_moat_\w+)=\(([^)]*)\)", zsh_text, re.M | re.S)}
same(arrays.get("_moat_protections", set()), schema["$defs"]["protectionName"]["enum"],
     "zsh: _moat_protections is the schema's protection names", "zsh", "schema")
same(arrays.get("_moat_rlimits", set()), props["process"]["rlimits"]["propertyNames"]["enum"],
     "zsh: _moat_rlimits is the schema's limits", "zsh", "schema")

# Typed into an interactive zsh on a pseudo-terminal: each line, TAB, and a
# key that writes the edit buffer to a file (polled, not timed).
ZSH_DRIVER = r'''
zmodload zsh/zpty
dir=$1 out=$2; shift 2
: > $out
wait_lines() { local i; for i in {1..300}; do (( $(wc -l < $out) >= $1 )) && return 0; sleep 0.1; done; return 1; }
zpty z "zsh -f -i"
zpty -w z "PS1='> '; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "dump() { print -r -- \"\$BUFFER\" >> $out; BUFFER=; }; zle -N dump; bindkey '^X' dump"
zpty -w z "print ready >> $out"
wait_lines 1 || { print "zsh did not start"; exit 1; }
n=1
for line in "$@"; do
  zpty -w -n z "$line"$'\t'$'\x18'
  (( n++ ))
  wait_lines $n || { print "no buffer after: $line"; break; }
done
zpty -w z "exit"
zpty -d z
'''

if shutil.which("zsh"):
    r = subprocess.run(["zsh", "-n", ZSH_FILE], capture_output=True, text=True)
    check(r.returncode == 0 and not r.stderr, "zsh -n reads completions/_moat", r.stderr)
    home = tempfile.mkdtemp(prefix="moat-completions.", dir="/var/tmp")
    try:
        zenv = dict(os.environ, HOME=home, PATH=os.path.dirname(MOAT) + ":/usr/bin:/bin")
        r = subprocess.run(["zsh", "-f", "-c", 'fpath=("$1" $fpath); autoload -Uz compinit; '
                            'compinit -u -D; print -r -- "$_comps[moat]"', "zsh",
                            os.path.dirname(ZSH_FILE)], capture_output=True, text=True, env=zenv)
        check(r.stdout.strip() == "_moat", "zsh: compinit binds _moat to moat", r.stdout + r.stderr)
        for name in ("policy.json", "notes.txt"):
            open(os.path.join(home, name), "w").close()
        mode = next(m for m in props["network"]["mode"]["enum"] if m.startswith("fi"))
        typed = {  # what is typed: the line zsh makes of it
            "moat r": "moat run ",
            "moat help do": "moat help doctor ",
            "moat run --ti": "moat run --timeout=",
            "moat run --network fi": f"moat run --network {mode} ",
            "moat run --unprotect .git/ho": "moat run --unprotect .git/hooks ",
            "moat run --rlimit nof": "moat run --rlimit nofile=",
            "moat run --read-model l": "moat run --read-model listed ",
            "moat run -p po": "moat run -p policy.json ",
            "moat check p": "moat check policy.json ",
            "moat srt --sett": "moat srt --settings=",
            "moat mxc --avail": "moat mxc --available-backends ",
            "moat run -- nosuchcommand --ti": "moat run -- nosuchcommand --ti",
        }
        with open(os.path.join(home, "driver.zsh"), "w") as f:
            f.write(ZSH_DRIVER)
        out = os.path.join(home, "out")
        r = subprocess.run(["timeout", "120", "zsh", "-f", os.path.join(home, "driver.zsh"),
                            os.path.dirname(ZSH_FILE), out, *typed], capture_output=True,
                           text=True, cwd=home, env=zenv)
        got = open(out).read().split("\n")[1:] if os.path.exists(out) else []
        for i, (line, want) in enumerate(typed.items()):
            have = got[i] if i < len(got) else f"<nothing: {r.stdout} {r.stderr}>"
            check(have == want, f"zsh: `{line}<TAB>` gives `{want}`", f"got `{have}`")
    finally:
        shutil.rmtree(home)
else:
    check(False, "zsh is installed (scripts/deps.sh installs it)")

finish("completions")
