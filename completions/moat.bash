# bash completion for moat(1): commands, each command's flags (as its --help
# lists them; tests/completions.py checks), the values of flags that take a
# fixed set, policy files (*.json) and, after `moat run ... --`, a command.
# Needs nothing from the bash-completion package; uses _command_offset when
# that package is loaded.
# shellcheck shell=bash
# shellcheck disable=SC2207  # COMPREPLY=($(compgen ...)): the completion idiom; words have no blanks

_moat_commands="run check doctor connect mxc srt help"
_moat_common="-h --help -V --version"

# Flags taking a value, and flags taking none, per command.
_moat_run_args="-p --policy -c --command --allow-write --deny-write --deny-read --allow-read
    --read-model --unprotect --protect --tmp-size --setenv --pass-env --cwd --chdir --timeout
    --rlimit --network --allow-net --deny-net --expose --host-port --log --allow-unix-socket
    --pass-fd --isolation --debug-disable-layer --debug-fakeip-lifetime --debug-pause-at"
_moat_run_flags="--no-private-tmp --no-default-protections --allow-local-binding --quiet
    --allow-unix-sockets --pty --no-pty --allow-nested-namespaces"
_moat_check_args="--format"
_moat_check_flags=""
_moat_mxc_args="--config-base64 --config --log-file"
_moat_mxc_flags="--dry-run --debug --experimental --allow-testing-features --available-backends"
_moat_srt_args="-s --settings -c --control-fd"
_moat_srt_flags="-d --debug"

_moat_protections=".git .git/config .git/config.worktree .git/commondir .git/hooks .gitconfig
    .gitmodules .bashrc .bash_profile .bash_login .bash_logout .bash_aliases .profile .zshrc
    .zprofile .zshenv .zlogin .zlogout .cshrc .tcshrc .login .logout .kshrc .mkshrc .inputrc
    .vimrc .gvimrc .exrc .nvimrc .nvim.lua .vim .emacs .emacs.d .vscode .idea .mcp.json
    .ripgreprc .claude/commands .claude/agents .claude/settings.json .claude/settings.local.json
    .ssh .gnupg .config/fish .config/git .config/nvim .config/environment.d .config/autostart
    .config/systemd .pam_environment .xprofile .xsession .xsessionrc .xinitrc bin .local/bin
    .cargo/config .cargo/config.toml .npmrc .yarnrc .yarnrc.yml .docker/config.json
    .kube/config .aws/config .srt-settings.json PATH"
_moat_rlimits="as core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio
    rttime sigpending stack"

# Files whose names end in .json, and directories to reach them.
_moat_json_files() {
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -d -- "$1") $(compgen -f -X '!*.json' -- "$1"))
}

_moat_files() {
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$1"))
}

_moat_dirs() {
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -d -- "$1"))
}

# The value of FLAG, being typed as CUR.
_moat_value() {
    local flag=$1 cur=$2
    case $flag in
        -p | --policy | --config | -s | --settings) _moat_json_files "$cur" ;;
        --allow-write | --deny-write | --deny-read | --allow-read | --log | --log-file | \
            --allow-unix-socket) _moat_files "$cur" ;;
        --cwd | --chdir) _moat_dirs "$cur" ;;
        --read-model) COMPREPLY=($(compgen -W "all listed" -- "$cur")) ;;
        --network) COMPREPLY=($(compgen -W "none proxy firewall host" -- "$cur")) ;;
        --format) COMPREPLY=($(compgen -W "moat mxc srt" -- "$cur")) ;;
        --debug-disable-layer) COMPREPLY=($(compgen -W "landlock mounts guard" -- "$cur")) ;;
        --debug-pause-at)
            COMPREPLY=($(compgen -W "clone network nftables mounts exec" -- "$cur")) ;;
        --isolation) COMPREPLY=($(compgen -W "namespaces landlock auto" -- "$cur")) ;;
        --unprotect) COMPREPLY=($(compgen -W "$_moat_protections" -- "$cur")) ;;
        --pass-env) COMPREPLY=($(compgen -e -- "$cur")) ;;
        --setenv)
            compopt -o nospace 2>/dev/null
            COMPREPLY=($(compgen -e -S = -- "$cur")) ;;
        --rlimit)
            compopt -o nospace 2>/dev/null
            COMPREPLY=($(compgen -W "$_moat_rlimits" -S = -- "$cur")) ;;
        *) COMPREPLY=() ;;
    esac
}

# Is WORD a flag of COMMAND that takes a value?
_moat_takes_value() {
    local args="_moat_${1}_args" a
    for a in ${!args}; do
        [[ $2 == "$a" ]] && return 0
    done
    return 1
}

# Complete a command and its arguments, from word I of COMP_WORDS on.
_moat_complete_command() {
    local i=$1
    if declare -F _command_offset >/dev/null; then
        _command_offset "$i"
    elif ((COMP_CWORD == i)); then
        COMPREPLY=($(compgen -c -- "${COMP_WORDS[COMP_CWORD]}"))
    else
        _moat_files "${COMP_WORDS[COMP_CWORD]}"
    fi
}

_moat() {
    local cur=${COMP_WORDS[COMP_CWORD]} cword=$COMP_CWORD
    local -a words=("${COMP_WORDS[@]}")
    COMPREPLY=()

    # --flag=VALUE: bash splits it at '=' (COMP_WORDBREAKS).
    if [[ $cur == "=" ]] && ((cword >= 2)); then
        _moat_value "${words[cword - 1]}" ""
        return
    fi
    if ((cword >= 3)) && [[ ${words[cword - 1]} == "=" ]]; then
        _moat_value "${words[cword - 2]}" "$cur"
        return
    fi
    if [[ $cur == --*=* ]]; then
        _moat_value "${cur%%=*}" "${cur#*=}"
        return
    fi

    if ((cword == 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$_moat_common" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_moat_commands" -- "$cur"))
        fi
        return
    fi

    local command=${words[1]}
    case $command in
        help)
            if ((cword == 2)) && [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$_moat_common" -- "$cur"))
            elif ((cword == 2)); then
                COMPREPLY=($(compgen -W "$_moat_commands" -- "$cur"))
            fi
            return ;;
        doctor)
            ((cword == 2)) && COMPREPLY=($(compgen -W "$_moat_common" -- "$cur"))
            return ;;
        connect)
            if ((cword == 2)) && [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$_moat_common" -- "$cur"))
            elif ((cword == 2)); then
                COMPREPLY=($(compgen -A hostname -- "$cur"))
            fi
            return ;;
        run | check | mxc | srt) ;;
        *) return ;;
    esac

    # Walk the words before the cursor: a flag's value, the end of the
    # options (--, or the first operand of run and srt, which start the
    # command), or -c STRING.
    local i=2 w shell_string=""
    while ((i < cword)); do
        w=${words[i]}
        if [[ $w == "--" ]]; then
            [[ $command == run || $command == srt ]] && { _moat_complete_command $((i + 1)); return; }
            _moat_json_files "$cur"
            return
        elif [[ $w == -* ]]; then
            [[ $w == -c || $w == --command ]] && shell_string=1
            if [[ $w != *=* ]] && _moat_takes_value "$command" "$w"; then
                ((i++))
                [[ ${words[i]} == "=" ]] && ((i++))
            fi
        elif [[ $command == run || $command == srt ]]; then
            [[ -n $shell_string ]] && return
            _moat_complete_command "$i"
            return
        fi
        ((i++))
    done

    local prev=${words[cword - 1]}
    if ((cword > 2)) && _moat_takes_value "$command" "$prev"; then
        _moat_value "$prev" "$cur"
        return
    fi
    if [[ $cur == -* ]]; then
        local args="_moat_${command}_args" flags="_moat_${command}_flags"
        COMPREPLY=($(compgen -W "${!args} ${!flags} $_moat_common" -- "$cur"))
        return
    fi
    case $command in
        run | srt) [[ -z $shell_string ]] && _moat_complete_command "$cword" ;;
        check | mxc) _moat_json_files "$cur" ;;
    esac
}

complete -F _moat moat
