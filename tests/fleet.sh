#!/bin/bash
# The fleet examples, tested as far as a machine without Docker or a
# cluster allows (examples/docker, examples/kubernetes, packaging/apparmor):
# the files parse and carry the settings docs/deploy.md promises, and the
# commands they run work, under a filter equal to the runtime's default
# seccomp profile where the example runs under one.  Run from the checkout
# by run_all.sh, as root (it also runs the landlock example as uid 65534).
#   MOAT=build/moat DOCKER_SECCOMP=build/tests/places/docker-seccomp tests/fleet.sh
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
MOAT=$(realpath "${MOAT:-build/moat}")
DOCKER_SECCOMP=$(realpath "${DOCKER_SECCOMP:-build/tests/places/docker-seccomp}")
passed=0 failed=0
check() { # WHAT STATUS [DETAIL]
    if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok - $1"
    else failed=$((failed + 1)); echo "not ok - $1${3:+: $3}"; fi
}
tmp=$(mktemp -d /var/tmp/moat-e2e.XXXXXX)
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# ---- Kubernetes -----------------------------------------------------------
# One JSON line per fact the checks need, from the YAML (python3-yaml).
facts=$(python3 - "$TOP/examples/kubernetes" <<'PY'
import json, sys, yaml, glob, os
out = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    for d in yaml.safe_load_all(open(f)):
        name = os.path.basename(f)
        if d["kind"] == "ConfigMap":
            out["policy"] = d["data"]["policy.json"]
            continue
        pod = d["spec"]["template"]["spec"]
        c = pod["containers"][0]
        out[name] = {
            "kind": d["kind"], "argv": c["command"] + c["args"],
            "seccomp": pod["securityContext"]["seccompProfile"]["type"],
            "apparmor": pod["securityContext"].get("appArmorProfile", {}).get("type", ""),
            "nonroot": pod["securityContext"].get("runAsNonRoot", False),
            "drop": c["securityContext"]["capabilities"]["drop"],
            "procmount": c["securityContext"].get("procMount", "Default"),
            "hostusers": pod.get("hostUsers", True),
            "escalation": c["securityContext"].get("allowPrivilegeEscalation", True),
        }
print(json.dumps(out))
PY
)
check "the Kubernetes examples parse" $?
fact() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))" "$facts" "$1"; }
[ "$(fact 'd["job-landlock.yaml"]["kind"]')" = Job ]; check "job-landlock.yaml is a Job" $?
[ "$(fact 'd["job-landlock.yaml"]["seccomp"]')" = RuntimeDefault ] &&
    [ "$(fact 'd["job-landlock.yaml"]["drop"]')" = "['ALL']" ] &&
    [ "$(fact 'd["job-landlock.yaml"]["nonroot"]')" = True ] &&
    [ "$(fact 'd["job-landlock.yaml"]["escalation"]')" = False ]
check "job-landlock.yaml keeps the restricted settings" $?
[ "$(fact 'd["job-namespaces.yaml"]["seccomp"]')" = Unconfined ] &&
    [ "$(fact 'd["job-namespaces.yaml"]["apparmor"]')" = Unconfined ] &&
    [ "$(fact 'd["job-namespaces.yaml"]["procmount"]')" = Unmasked ] &&
    [ "$(fact 'd["job-namespaces.yaml"]["hostusers"]')" = False ] &&
    [ "$(fact 'd["job-namespaces.yaml"]["drop"]')" = "['ALL']" ]
check "job-namespaces.yaml relaxes exactly seccomp, AppArmor and procMount" $?

# Run a Job's command here: /workspace and /etc/moat become directories of
# ours; PLACE is how to start it (the runtime's seccomp profile, or none).
run_job() { # JOB-FILE AS-UID PLACE...
    local job=$1 uid=$2; shift 2
    local dir="$tmp/$job.$uid"
    mkdir -p "$dir/workspace" "$dir/etc"
    fact 'd["policy"]' | sed "s|/workspace|$dir/workspace|g" > "$dir/etc/policy.json"
    mapfile -t argv < <(fact "'\\n'.join(d[\"$job\"][\"argv\"])" |
        sed "s|/workspace|$dir/workspace|g; s|/etc/moat/policy.json|$dir/etc/policy.json|g; s|^moat$|$MOAT|")
    chown -R "$uid" "$dir"
    RC=0
    OUT=$(cd "$dir" && HOME=$dir setpriv --reuid "$uid" --regid "$uid" --clear-groups "$@" "${argv[@]}" \
        2>"$dir/err") || RC=$?
    ERR=$(cat "$dir/err")
}
for uid in 0 65534; do
    run_job job-landlock.yaml $uid "$DOCKER_SECCOMP" --docker-caps --
    [ "$RC" = 0 ] && [ "$OUT" = "agent at work" ]
    check "job-landlock.yaml's command under the runtime's seccomp profile (uid $uid)" $? "$RC $OUT $ERR"
    case $ERR in *'isolation "landlock": namespaces are unavailable here'*) r=0 ;; *) r=1 ;; esac
    check "... and it says that it took landlock isolation (uid $uid)" $r "$ERR"
    run_job job-namespaces.yaml $uid env
    [ "$RC" = 0 ] && [ "$OUT" = "agent at work" ] && [ -z "$ERR" ]
    check "job-namespaces.yaml's command where namespaces work (uid $uid)" $? "$RC $OUT $ERR"
    run_job job-namespaces.yaml $uid "$DOCKER_SECCOMP" --docker-caps --
    [ "$RC" = 125 ]
    check "job-namespaces.yaml's command refuses under the default profile (uid $uid)" $? "$RC $ERR"
done

# ---- Docker -------------------------------------------------------------------
df=examples/docker/Dockerfile
bad=$(grep -vE '^\s*(#|$)' "$df" | awk '
    prev ~ /\\$/ { prev = $0; next }
    { prev = $0; if ($1 !~ /^(FROM|RUN|COPY|WORKDIR|ENTRYPOINT|CMD|USER|ENV|ARG|LABEL|EXPOSE|VOLUME)$/) print }')
[ -z "$bad" ]; check "every Dockerfile line is an instruction or a continuation" $? "$bad"
for f in $(awk '$1 == "COPY" && $2 !~ /^--/ {print $2}' "$df"); do
    [ "$f" = . ] || [ -e "$f" ] || { check "the Dockerfile copies $f, which exists" 1; continue; }
done
check "the files the Dockerfile copies exist" 0
entry=$(python3 -c '
import json, re, sys
text = open(sys.argv[1]).read()
e = json.loads(re.search(r"^ENTRYPOINT (.*)$", text, re.M).group(1))
c = json.loads(re.search(r"^CMD (.*)$", text, re.M).group(1))
print("\n".join(e + c))' "$df")
check "ENTRYPOINT and CMD are JSON arrays" $?
ddir="$tmp/docker"
mkdir -p "$ddir/workspace" "$ddir/etc"
sed "s|/workspace|$ddir/workspace|g" examples/docker/policy.json > "$ddir/etc/policy.json"
mapfile -t argv < <(printf '%s\n' "$entry" |
    sed "s|/workspace|$ddir/workspace|g; s|/etc/moat/policy.json|$ddir/etc/policy.json|g; s|^moat$|$MOAT|")
chown -R 1000 "$ddir"
RC=0
OUT=$(cd "$ddir" && HOME=$ddir setpriv --reuid 1000 --regid 1000 --clear-groups "$DOCKER_SECCOMP" --docker-caps -- \
    "${argv[@]}" 2>"$ddir/err") || RC=$?
[ "$RC" = 0 ] && [ "$OUT" = "agent at work" ] && grep -q 'isolation "landlock"' "$ddir/err"
check "the image's entrypoint and command, as its user, under Docker's default profile" $? \
    "$RC $OUT $(cat "$ddir/err")"

# ---- AppArmor ---------------------------------------------------------------
make -s install-apparmor DESTDIR="$tmp/aa" PREFIX=/opt/moat >/dev/null
profile="$tmp/aa/etc/apparmor.d/moat"
grep -q '^profile moat /opt/moat/bin/moat flags=(unconfined) {$' "$profile" &&
    grep -q '^  userns,$' "$profile"
check "make install-apparmor writes the profile for PREFIX's moat, allowing userns" $?
if command -v apparmor_parser >/dev/null; then
    if apparmor_parser -Q -K -T "$profile" >/dev/null 2>&1; then r=0
    else
        # AppArmor before 4 (Debian 12) knows neither abi 4.0 nor the userns
        # rule (Ubuntu 23.10's): check the rest of the profile with abi 3.0.
        sed 's|abi <abi/4.0>|abi <abi/3.0>|; /^  userns,$/d' "$profile" > "$tmp/moat.aa3"
        apparmor_parser -Q -K -T "$tmp/moat.aa3" >/dev/null 2>&1; r=$?
        echo "  (apparmor_parser $(apparmor_parser --version | head -1 | awk '{print $NF}') " \
            "cannot parse 'userns,': checked without it)"
    fi
    check "apparmor_parser accepts the profile" $r
fi

echo "fleet examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
