# Running moat inside the lab's host namespace, as $RUN_AS (root or nobody).
# sb ARGS...: `moat run ARGS` there, from $WORK; sets OUT, ERR and RC.

as_user() {
    if [ "$RUN_AS" = root ]; then
        "$@"
    else
        setpriv --reuid 65534 --regid 65534 --clear-groups \
            env -i PATH=/usr/bin:/bin HOME="$WORK" LANG=C.UTF-8 "$@"
    fi
}

sb() {
    local o e
    o=$(mktemp) e=$(mktemp)
    chmod 0666 "$o" "$e"
    RC=0
    ip netns exec "$LAB_HOST" "$BASH" -c "$(declare -f as_user); as_user \"\$@\"" _ \
        "$MOAT" run --timeout 20 "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ [$RUN_AS] moat run $* -> $RC; out=[$OUT] err=[$ERR]"
}

# curl through the sandbox's HTTP proxy (even for names NO_PROXY lists),
# printing the body then the status code on the last line.
curl_in() { # ARGS...
    sb "${SB_OPTS[@]}" -- curl -sS --noproxy '' --max-time 10 -w '\n%{http_code}' "$@"
}

last_line() { printf '%s\n' "$OUT" | tail -n 1; }

# sb_resolv RESOLV_CONF ARGS...: sb, with moat's own /etc/resolv.conf (the host side's, whose
# servers it forwards to) replaced by RESOLV_CONF, in a mount namespace of its own made by root
# before dropping to $RUN_AS: nothing changes for anything else on the host.
sb_resolv() {
    local conf=$1 o e
    shift
    o=$(mktemp) e=$(mktemp)
    chmod 0666 "$o" "$e"
    chmod 0644 "$conf"
    RC=0
    ip netns exec "$LAB_HOST" unshare --mount --propagation private "$BASH" -c \
        "mount --bind \"\$1\" /etc/resolv.conf && shift && $(declare -f as_user); as_user \"\$@\"" _ \
        "$conf" "$MOAT" run --timeout 30 "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    echo "+ [$RUN_AS] (resolv.conf: $(grep nameserver "$conf" | tr '\n' ' ')) moat run $* -> $RC; out=[$OUT] err=[$ERR]"
}
