#!/usr/bin/env python3
"""The documentation and the program agree, both ways.

- Every policy key in docs/policy.md's table is in schema/policy.schema.json
  and accepted by the loader, and every key the loader knows (its own list,
  from `moat check`'s "unknown key" message, and the effective policy it
  prints) is in the table and the schema.
- Every `moat run` flag in src/cli/options.c is in `moat run --help` and in
  docs/policy.md's flag table, and every flag either of them names is one
  the code has.
- The built-in protections of src/policy/protected.c, the schema's
  protectionName and docs/policy.md's table name the same names, and the
  loader accepts each in `unprotect`.
- docs/compat-mxc.md's table of libmxc_ffi.so's functions names exactly
  the mxc_* functions src/mxc_ffi/abi.h declares, the sources define and
  the built library exports (exports.map exports mxc_* and nothing else),
  and the page writes no other mxc_* name but those it says moat leaves
  out.
- `moat run --help` names every network mode; nothing calls proxy or
  firewall "not yet"; no document cites a design section that is not in
  the repository.

Run from anywhere: tests/docs_agree.py [MOAT]  (default build/moat).
Prints one ok/not ok line per check and "docs: N passed, N failed".
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from checks import TOP, check, finish, read, same

MOAT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(TOP, "build/moat")
SECTIONS = ("filesystem", "network", "process")


def moat_check(policy):
    """`moat check` of a policy text: (status, stdout, stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/var/tmp", delete=False) as f:
        f.write(policy if isinstance(policy, str) else json.dumps(policy))
        name = f.name
    try:
        r = subprocess.run([MOAT, "check", name], capture_output=True, text=True, cwd="/")
        return r.returncode, r.stdout, r.stderr
    finally:
        os.unlink(name)


def section(text, heading):
    """The text of a markdown section, from its heading to the next of the same level."""
    m = re.search(r"^(#+) " + re.escape(heading) + r"\s*$", text, re.M)
    if not m:
        return ""
    level = len(m.group(1))
    rest = text[m.end():]
    end = re.search(r"^#{1,%d} " % level, rest, re.M)
    return rest[: end.start()] if end else rest


policy_md = read("docs/policy.md")
schema = json.loads(read("schema/policy.schema.json"))

# ---- policy keys -------------------------------------------------------------

table = section(policy_md, "The format in one table")
doc_keys = set(re.findall(r"^\| `((?:%s)\.[A-Za-z]+)` \|" % "|".join(SECTIONS), table, re.M))
check(len(doc_keys) > 20, "docs/policy.md's key table was found", sorted(doc_keys))

schema_keys = {f"{s}.{k}" for s in SECTIONS for k in schema["properties"][s]["properties"]}
same(doc_keys, schema_keys, "every documented key is in the schema, and back", "docs", "schema")
check(set(schema["properties"]) == {"$schema", *SECTIONS}, "the schema's sections",
      sorted(schema["properties"]))

loader_keys = set()
for s in SECTIONS:
    rc, out, err = moat_check({s: {"zzzzzzzzzzzzzzzz": 1}})
    m = re.search(r"unknown key \(expected one of: ([^)]*)\)", err)
    check(rc == 125 and m, f"the loader lists its {s} keys", err)
    if m:
        loader_keys |= {f"{s}.{k.strip()}" for k in m.group(1).split(",")}
same(doc_keys, loader_keys, "every documented key is the loader's, and back", "docs", "loader")

rc, out, err = moat_check({"zzzzzzzzzzzzzzzz": 1})
m = re.search(r"unknown key \(expected one of: ([^)]*)\)", err)
same({k.strip() for k in m.group(1).split(",")} if m else set(), {"$schema", *SECTIONS},
     "the loader's top-level keys", "loader", "docs")

for key in sorted(doc_keys):
    s, k = key.split(".")
    rc, out, err = moat_check({s: {k: None}})
    check("unknown key" not in err, f"the loader accepts {key}", err)

rc, out, err = moat_check("{}")
effective = json.loads(out) if rc == 0 else {}
printed = {f"{s}.{k}" for s in SECTIONS for k in effective.get(s, {})}
same(doc_keys, printed, "the effective policy prints every documented key, and only those",
     "docs", "moat check")

# ---- moat run flags ----------------------------------------------------------

options_c = read("src/cli/options.c")
longopts = options_c[options_c.index("run_longopts[]"):]
longopts = longopts[: longopts.index("};")]
code_flags = set(re.findall(r'\{ "([a-z-]+)",', longopts))
check(len(code_flags) > 25, "src/cli/options.c's run_longopts was found", sorted(code_flags))

help_text = subprocess.run([MOAT, "run", "--help"], capture_output=True, text=True).stdout
help_flags = set(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", help_text))
same(code_flags, help_flags, "every moat run flag is in `moat run --help`, and back", "code",
     "help")

flag_table = section(policy_md, "Every `moat run` flag")
table_flags = set(re.findall(r"`(?:-\w, )?--([a-z][a-z-]+)", flag_table))
table_flags |= set(re.findall(r", `--([a-z][a-z-]+)", flag_table))
same(code_flags, table_flags, "every moat run flag is in docs/policy.md's flag table, and back",
     "code", "docs")

# Any other flag docs/policy.md names belongs to moat run or to another command.
other_commands = {"format"}  # moat check --format
named = set(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", policy_md))
check(named <= code_flags | other_commands, "docs/policy.md names no flag moat does not have",
      sorted(named - code_flags - other_commands))

modes = schema["properties"]["network"]["properties"]["mode"]["enum"]
network_help = help_text[help_text.index("--network"):help_text.index("--allow-net")]
check(all(m in network_help for m in modes), "`moat run --help` names every network mode",
      network_help)

# ---- built-in protections ----------------------------------------------------

protected_c = read("src/policy/protected.c")
code_names = []
for m in re.finditer(r'(ANY|HOME|GITDIR)\("([^"]+)"\)|\{ (PROTECTED_\w+_ENTRY),', protected_c):
    if m.group(1):
        code_names.append((".git/" if m.group(1) == "GITDIR" else "") + m.group(2))
    else:
        code_names.append({"PROTECTED_GIT_ENTRY": ".git", "PROTECTED_PATH_ENTRY": "PATH"}[m.group(3)])
check(len(code_names) > 40, "src/policy/protected.c's table was found", code_names)
schema_names = schema["$defs"]["protectionName"]["enum"]
same(code_names, schema_names, "the schema's protectionName is the code's table", "code",
     "schema")
prot = section(policy_md, "Built-in protections")
doc_names = set()
for row in re.findall(r"^\| (`[^|]*) \| (anywhere|home|git) \|", prot, re.M):
    doc_names |= set(re.findall(r"`([^`]+)`", row[0]))
same(code_names, doc_names, "docs/policy.md's Built-in protections list the code's names",
     "code", "docs")
scope_of = {"ANY": "anywhere", "HOME": "home", "GITDIR": "git"}
doc_scope = {}
for names, scope in re.findall(r"^\| (`[^|]*) \| (anywhere|home|git) \|", prot, re.M):
    for n in re.findall(r"`([^`]+)`", names):
        doc_scope[n] = scope
wrong = []
for m in re.finditer(r'(ANY|HOME|GITDIR)\("([^"]+)"\)', protected_c):
    n = (".git/" if m.group(1) == "GITDIR" else "") + m.group(2)
    if doc_scope.get(n) != scope_of[m.group(1)]:
        wrong.append(f"{n}: docs say {doc_scope.get(n)}, code {scope_of[m.group(1)]}")
check(not wrong, "each protection's scope in docs/policy.md is the code's", "\n".join(wrong))
rc, out, err = moat_check({"filesystem": {"unprotect": code_names}})
check(rc == 0, "the loader accepts every protection name in unprotect", err)

# ---- libmxc_ffi.so ---------------------------------------------------------------

mxc_api = re.compile(r"^MXC_API\b[^(;]*?\b(mxc_\w+)\(", re.M)
declared = set(mxc_api.findall(read("src/mxc_ffi/abi.h")))
check(len(declared) > 20, "src/mxc_ffi/abi.h's MXC_API functions were found", sorted(declared))
ffi_dir = os.path.join(TOP, "src/mxc_ffi")
defined = set()
for f in sorted(os.listdir(ffi_dir)):
    if f.endswith(".c"):
        defined |= set(mxc_api.findall(read(os.path.join("src/mxc_ffi", f))))
same(declared, defined, "every libmxc_ffi function abi.h declares is defined, and back",
     "abi.h", "src/mxc_ffi/*.c")
exports_map = read("src/mxc_ffi/exports.map")
globals_ = re.findall(r"global:\s*([^;]*);", exports_map)
check(globals_ == ["mxc_*"], "src/mxc_ffi/exports.map exports mxc_* and nothing else", globals_)
so = os.path.join(TOP, "build/libmxc_ffi.so")
if os.path.exists(so):
    nm = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True, text=True).stdout
    exported = {l.split()[2] for l in nm.splitlines() if len(l.split()) == 3}
    same(declared, exported, "build/libmxc_ffi.so exports exactly abi.h's functions",
         "abi.h", "nm -D")

compat = read("docs/compat-mxc.md")
ffi_doc = section(compat, "libmxc_ffi.so: the SDK in-process")
table = section(ffi_doc, "Every function the SDK binds")
doc_funcs = set()
for cell in re.findall(r"^\| ([^|]*) \|", table, re.M):
    doc_funcs |= set(re.findall(r"`(mxc_\w+)`", cell))
same(declared, doc_funcs, "docs/compat-mxc.md's libmxc_ffi table names every function, and "
     "only those", "abi.h", "docs")
left_out = set()
for para in re.split(r"\n\s*\n|\n- ", ffi_doc):
    if "leaves them out" in para:
        left_out |= set(re.findall(r"(?<![\w/])mxc_\w+", para))
check(left_out and not left_out & declared,
      "docs/compat-mxc.md says which of mxc's functions moat leaves out, none of them moat's",
      sorted(left_out & declared) or "no paragraph saying \"leaves them out\"")
stray = set(re.findall(r"(?<![\w/])mxc_\w+", ffi_doc)) - declared - left_out
check(not stray, "docs/compat-mxc.md's libmxc_ffi section names no other mxc_* function",
      sorted(stray))

# ---- examples ------------------------------------------------------------------

# Every JSON policy shown in README.md and docs/policy.md loads (paths are
# checked from /, so relative ones resolve; warnings are fine).
for doc in ("README.md", "docs/policy.md"):
    for block in re.findall(r"```json\n(.*?)```", read(doc), re.S):
        try:
            obj = json.loads(block)
        except ValueError:
            continue  # a fragment with explanations, not a policy
        if not isinstance(obj, dict) or not set(obj) & set(SECTIONS):
            continue
        obj.pop("$schema", None)
        rc, out, err = moat_check(obj)
        check(rc == 0, f"{doc}: the policy example {json.dumps(obj)[:60]}... loads", err)

# ---- stale statements --------------------------------------------------------

stale = []
for path in ("include/moat.h", "include/moat_mxc.h", "schema/policy.schema.json"):
    for line in read(path).splitlines():
        if re.search(r"(proxy|firewall|PROXY|FIREWALL).*(not yet|for now)", line):
            stale.append(f"{path}: {line.strip()}")
check(not stale, "proxy and firewall are nowhere called \"not yet\"", "\n".join(stale))

docs = ["README.md", "tests/lab/README.md"] + [
    os.path.join("docs", f) for f in sorted(os.listdir(os.path.join(TOP, "docs")))
    if f.endswith(".md")]
cited = [f"{d}: {l.strip()}" for d in docs for l in read(d).splitlines() if "DESIGN §" in l]
check(not cited, "no document cites a design section outside the repository", "\n".join(cited))

finish("docs")
