# mxc configurations run by moat as mxc's lxc-exec, in the dual-stack lab:
# the #479 report's config (its hosts mapped to the lab's names) reaches the
# allowed host over IPv4 and IPv6 and nothing else; directional rules hold
# for both families.

# mxc_lab CONFIG_JSON: lxc-exec --config-base64 in the lab's host namespace,
# as $RUN_AS; OUT, ERR, RC.
mxc_lab() {
    local o e
    o=$(mktemp) e=$(mktemp)
    chmod 0666 "$o" "$e"
    ln -sf "$MOAT" "$WORK/lxc-exec"
    RC=0
    ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); as_user \"\$@\"" _ \
        "$WORK/lxc-exec" --config-base64 "$(printf '%s' "$1" | base64 -w0)" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ [$RUN_AS] lxc-exec $1 -> $RC; out=[$OUT] err=[$ERR]"
}

# A commandLine running raw_client.py once per "HOST PORT FAMILY" argument.
raw_script() {
    cp "$(dirname "${BASH_SOURCE[0]}")/raw_client.py" "$WORK/raw_client.py"
    chmod a+r "$WORK/raw_client.py"
    local cmd="" t
    for t in "$@"; do
        cmd="$cmd/usr/bin/python3 $WORK/raw_client.py $t; "
    done
    printf '%s' "$cmd"
}

line() { printf '%s\n' "$OUT" | sed -n "$1p"; }

expect_refused() { # LINE WHAT
    case "$(line "$1")" in refused*) ;; *) fail "$2: not refused: $(line "$1")" ;; esac
}

test_dual_mxc_issue_479_config_reaches_the_host_over_both_families() {
    # The report's config as written (0.6.0-alpha, bubblewrap, "platform",
    # firewall, block, a dual-stack name and 127.0.0.1), with api.anthropic.com
    # mapped to dual.test and the test's directory readable for its client.
    cmd=$(raw_script "dual.test 80 4" "dual.test 80 6" "denied.test 80 any" \
        "$LAB_DENIED4 80 4" "$LAB_DENIED6 80 6" "$LAB_W4 80 4")
    cfg=$(cat <<EOF
{
  "version": "0.6.0-alpha",
  "containerId": "repro-fw-ipv6",
  "containment": "bubblewrap",
  "platform": "linux",
  "process": { "commandLine": "$cmd" },
  "filesystem": {
    "readonlyPaths": ["/usr","/lib","/lib64","/etc/ssl/certs","$WORK"],
    "readwritePaths": ["/tmp"]
  },
  "network": {
    "defaultPolicy": "block",
    "enforcementMode": "firewall",
    "allowedHosts": ["dual.test", "127.0.0.1"]
  }
}
EOF
)
    mxc_lab "$cfg"
    expect_eq "$RC" 0 "status"
    expect_contains "$(line 1)" "hello from $LAB_W4:80" "dual.test over IPv4"
    expect_contains "$(line 2)" "hello from [$LAB_W6]:80" "dual.test over IPv6"
    expect_refused 3 "denied.test"
    expect_refused 4 "a denied IPv4 literal"
    expect_refused 5 "a denied IPv6 literal"
    expect_refused 6 "dual.test's address without its name"
    expect_contains "$ERR" "\$.platform: ignored"
    expect_contains "$ERR" "\$.network.allowedHosts[1]: \"127.0.0.1\" is left out"
}

test_dual_mxc_directional_cidr_rules_hold_for_both_families() {
    cmd=$(raw_script "$LAB_W4 80 4" "$LAB_W6 80 6" "$LAB_W4 8080 4" "$LAB_V4ONLY 80 4" \
        "dual.test 80 any")
    cfg=$(cat <<EOF
{
  "version": "1.0.0",
  "process": { "commandLine": "$cmd" },
  "filesystem": { "readonlyPaths": ["$WORK"] },
  "network": { "egress": { "default": "deny", "allow": [
    { "to": [ { "cidr": "198.51.100.0/24", "except": ["$LAB_V4ONLY/32"] },
              { "cidr": "$LAB_W6/128" } ],
      "ports": [ { "protocol": "tcp", "port": 80 } ] } ] } }
}
EOF
)
    mxc_lab "$cfg"
    expect_eq "$RC" 0 "status"
    expect_contains "$(line 1)" "hello from $LAB_W4:80" "allowed IPv4 block"
    expect_contains "$(line 2)" "hello from [$LAB_W6]:80" "allowed IPv6 address"
    expect_refused 3 "another port"
    expect_refused 4 "an excepted address"
    expect_refused 5 "a name (CIDR rules allow addresses, not names)"
}

test_dual_mxc_egress_allow_keeps_deny_rules() {
    cmd=$(raw_script "dual.test 80 4" "dual.test 80 6" "denied.test 80 4" "denied.test 80 6")
    cfg=$(cat <<EOF
{
  "version": "1.1.0-alpha",
  "process": { "commandLine": "$cmd" },
  "filesystem": { "readonlyPaths": ["$WORK"] },
  "network": { "egress": { "default": "allow", "deny": [
    { "to": [ { "cidr": "203.0.113.0/24" }, { "cidr": "2001:db8:2::/48" } ] } ] } }
}
EOF
)
    mxc_lab "$cfg"
    expect_eq "$RC" 0 "status"
    expect_contains "$(line 1)" "hello from $LAB_W4:80" "any name, IPv4"
    expect_contains "$(line 2)" "hello from [$LAB_W6]:80" "any name, IPv6"
    expect_refused 3 "a denied block, by name, IPv4"
    expect_refused 4 "a denied block, by name, IPv6"
}

test_dual_mxc_sdk_0_6_1_runs_the_479_config() {
    # The real client: @microsoft/mxc-sdk 0.6.1's spawnSandboxFromConfig, with
    # MXC_BIN_DIR pointing at moat as lxc-exec, exactly as the report drove mxc.
    sdk=$("$(dirname "${BASH_SOURCE[0]}")/../mxc/sdk_install.sh" 0.6.1) || {
        fail "cannot install @microsoft/mxc-sdk 0.6.1"; return 1; }
    mkdir -p "$WORK/bin/x64"
    ln -sf "$MOAT" "$WORK/bin/x64/lxc-exec"
    cp "$(dirname "${BASH_SOURCE[0]}")/mxc_sdk_driver.mjs" "$WORK/driver.mjs"
    chmod -R a+rX "$WORK"
    cmd=$(raw_script "dual.test 80 4" "dual.test 80 6" "denied.test 80 any")
    cfg=$(printf '{"version":"0.6.0-alpha","containerId":"repro-fw-ipv6","containment":"bubblewrap","platform":"linux","process":{"commandLine":"%s"},"filesystem":{"readonlyPaths":["/usr","/lib","/lib64","/etc/ssl/certs","%s"],"readwritePaths":["/tmp"]},"network":{"defaultPolicy":"block","enforcementMode":"firewall","allowedHosts":["dual.test","127.0.0.1"]}}' "$cmd" "$WORK")
    o=$(mktemp) e=$(mktemp)
    chmod 0666 "$o" "$e"
    RC=0
    ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); as_user \"\$@\"" _ \
        env MXC_BIN_DIR="$WORK/bin" /usr/bin/node "$WORK/driver.mjs" "$sdk" "$cfg" \
        >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ [$RUN_AS] node driver.mjs -> $RC; out=[$OUT] err=[$ERR]"
    expect_eq "$RC" 0 "node"
    expect_contains "$(line 1)" "hello from $LAB_W4:80" "dual.test over IPv4"
    expect_contains "$(line 2)" "hello from [$LAB_W6]:80" "dual.test over IPv6"
    expect_refused 3 "denied.test"
    expect_eq "$(line 4)" "exit 0" "the workload's status through the SDK"
    # moat was the executor: its warnings came back through the SDK.
    expect_contains "$ERR" "moat: warning: --config-base64:1:"
    expect_contains "$ERR" "\$.network.allowedHosts[1]: \"127.0.0.1\" is left out"
}
