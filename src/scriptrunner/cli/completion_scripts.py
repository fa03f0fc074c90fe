"""The completion scripts of ``scriptrunner completion``: lookup tables plus one driver per shell.

The tables answer four questions about a command path (``"cost prices show"``; ``""`` is the
top level): its sub-commands, its options, the kind of value an option takes, the kind of
its positionals (kinds: see :class:`Node`).  The driver
walks the words typed before the cursor -- descending into sub-commands, skipping options
and their values, stopping at ``--`` -- and offers what fits the word under the cursor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scriptrunner.cli.completion_tree import Node


def _sh_tables(nodes: Sequence[Node]) -> str:
    """The tables as POSIX-style functions (bash and zsh read the same syntax)."""
    subs = [f'        "{n.path}") echo "{" ".join(n.subs)}" ;;' for n in nodes if n.subs]
    opts = [f'        "{n.path}") echo "{" ".join(o for o, _ in n.options)}" ;;' for n in nodes]
    values = [
        f'        "{n.path}|{flag}") echo "{kind}" ;;'
        for n in nodes
        for flag, kind in n.options
        if kind
    ]
    positional = [f'        "{n.path}") echo "{n.positional}" ;;' for n in nodes if n.positional]

    def table(name: str, arg: str, rows: list[str]) -> str:
        return f'{name}() {{\n    case "{arg}" in\n' + "\n".join(rows) + "\n    esac\n}\n"

    return "".join(
        [
            table("__scriptrunner_subs", "$1", subs),
            table("__scriptrunner_opts", "$1", opts),
            table("__scriptrunner_value", "$1|$2", values),
            table("__scriptrunner_pos", "$1", positional),
        ]
    )


_SH_WALK = """\
__scriptrunner_is_sub() {
    local s
    for s in $(__scriptrunner_subs "$1"); do
        [[ $s == "$2" ]] && return 0
    done
    return 1
}

# Sets cmdpath (the command path typed before the cursor), expect (the option whose value
# is under the cursor) and rest (non-empty after `--` or a command line's first word).
__scriptrunner_walk() {
    local word kind
    cmdpath="" expect="" rest=""
    for word in "$@"; do
        [[ $word == "=" ]] && continue  # bash splits --opt=value at "="
        if [[ -n $expect ]]; then
            expect=""
            continue
        fi
        case "$word" in
            --) rest=1; return ;;
            -*=*) continue ;;
            -*)
                kind="$(__scriptrunner_value "$cmdpath" "$word")"
                [[ -n $kind ]] && expect="$word"
                continue
                ;;
        esac
        if __scriptrunner_is_sub "$cmdpath" "$word"; then
            cmdpath="${cmdpath:+$cmdpath }$word"
        elif [[ $(__scriptrunner_pos "$cmdpath") == r ]]; then
            rest=1
            return
        fi
    done
}
"""

_BASH_DRIVER = """\
__scriptrunner_reply() {
    local IFS=$'\\n'
    case "$1" in
        f|r) COMPREPLY=($(compgen -f -- "$2")); compopt -o filenames 2>/dev/null ;;
        d) COMPREPLY=($(compgen -d -- "$2")); compopt -o filenames 2>/dev/null ;;
        w:*) IFS=$' \\t\\n'; COMPREPLY=($(compgen -W "${1#w:}" -- "$2")) ;;
        *) COMPREPLY=() ;;
    esac
}

_scriptrunner() {
    local cur="${COMP_WORDS[COMP_CWORD]}" cmdpath expect rest subs
    __scriptrunner_walk "${COMP_WORDS[@]:1:COMP_CWORD-1}"
    [[ $cur == "=" ]] && cur=""
    if [[ -n $rest ]]; then
        __scriptrunner_reply f "$cur"
    elif [[ -n $expect ]]; then
        __scriptrunner_reply "$(__scriptrunner_value "$cmdpath" "$expect")" "$cur"
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(__scriptrunner_opts "$cmdpath")" -- "$cur"))
    else
        subs="$(__scriptrunner_subs "$cmdpath")"
        if [[ -n $subs ]]; then
            COMPREPLY=($(compgen -W "$subs" -- "$cur"))
        else
            __scriptrunner_reply "$(__scriptrunner_pos "$cmdpath")" "$cur"
        fi
    fi
}

complete -F _scriptrunner scriptrunner
"""

_ZSH_DRIVER = """\
__scriptrunner_reply() {
    case "$1" in
        f|r) _files ;;
        d) _files -/ ;;
        w:*) compadd -- ${=${1#w:}} ;;
    esac
}

_scriptrunner() {
    local cur="${words[CURRENT]}" cmdpath expect rest subs
    __scriptrunner_walk "${(@)words[2,CURRENT-1]}"
    if [[ -n $rest ]]; then
        _files
    elif [[ -n $expect ]]; then
        __scriptrunner_reply "$(__scriptrunner_value "$cmdpath" "$expect")"
    elif [[ $cur == -* ]]; then
        compadd -- $(__scriptrunner_opts "$cmdpath")
    else
        subs="$(__scriptrunner_subs "$cmdpath")"
        if [[ -n $subs ]]; then
            compadd -- ${=subs}
        else
            __scriptrunner_reply "$(__scriptrunner_pos "$cmdpath")"
        fi
    fi
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _scriptrunner "$@"  # autoloaded from $fpath as _scriptrunner
else
    compdef _scriptrunner scriptrunner  # sourced
fi
"""


def _fish_tables(nodes: Sequence[Node]) -> str:
    def table(name: str, arg: str, rows: list[tuple[str, str]]) -> str:
        cases = "".join(
            f"        case '{key}'\n            printf '%s\\n' {out}\n" for key, out in rows
        )
        return f'function {name}\n    switch "{arg}"\n{cases}    end\nend\n'

    def words(items: Sequence[str]) -> str:
        return " ".join(f"'{item}'" for item in items)

    return "".join(
        [
            table(
                "__scriptrunner_subs",
                "$argv[1]",
                [(n.path, words(n.subs)) for n in nodes if n.subs],
            ),
            table(
                "__scriptrunner_opts",
                "$argv[1]",
                [(n.path, words([o for o, _ in n.options])) for n in nodes if n.options],
            ),
            table(
                "__scriptrunner_value",
                "$argv[1]|$argv[2]",
                [
                    (f"{n.path}|{flag}", f"'{kind}'")
                    for n in nodes
                    for flag, kind in n.options
                    if kind
                ],
            ),
            table(
                "__scriptrunner_pos",
                "$argv[1]",
                [(n.path, f"'{n.positional}'") for n in nodes if n.positional],
            ),
        ]
    )


_FISH_DRIVER = """\
function __scriptrunner_reply
    switch "$argv[1]"
        case f r
            __fish_complete_path "$argv[2]"
        case d
            __fish_complete_directories "$argv[2]"
        case 'w:*'
            string split ' ' -- (string replace -r '^w:' '' -- "$argv[1]")
    end
end

function __scriptrunner_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cur (commandline -ct)
    set -l cmdpath ''
    set -l expect ''
    for word in $tokens
        if test -n "$expect"
            set expect ''
            continue
        end
        switch "$word"
            case '--'
                __fish_complete_path "$cur"
                return
            case '-*=*'
                continue
            case '-*'
                set -l kind (__scriptrunner_value "$cmdpath" "$word")
                if test -n "$kind"
                    set expect "$word"
                end
                continue
        end
        if contains -- "$word" (__scriptrunner_subs "$cmdpath")
            set cmdpath (string trim -- "$cmdpath $word")
        else
            set -l positional (__scriptrunner_pos "$cmdpath")
            if test "$positional" = r
                __fish_complete_path "$cur"
                return
            end
        end
    end
    if test -n "$expect"
        __scriptrunner_reply (__scriptrunner_value "$cmdpath" "$expect") "$cur"
    else if string match -q -- '-*' "$cur"
        __scriptrunner_opts "$cmdpath"
    else
        set -l subs (__scriptrunner_subs "$cmdpath")
        if set -q subs[1]
            printf '%s\\n' $subs
        else
            __scriptrunner_reply (__scriptrunner_pos "$cmdpath") "$cur"
        end
    end
end

complete -c scriptrunner -f -a '(__scriptrunner_complete)'
"""


#: What a command name, option or choice may contain to be written into a script unquoted
#: (inside double or single quotes): no quote, ``$``, backslash or space.
_SAFE = re.compile(r"[A-Za-z0-9_.,:/@%+=-]*")


def _check(nodes: Sequence[Node]) -> None:
    for node in nodes:
        words = [*node.path.split(), *node.subs, *(o for o, _ in node.options)]
        words += [w for _, kind in node.options for w in kind[2:].split()]
        words += node.positional[2:].split()
        for word in words:
            if not _SAFE.fullmatch(word):
                raise ValueError(f"cannot write {word!r} into a completion script")


def render(shell: str, nodes: Sequence[Node]) -> str:
    """The completion script for ``shell`` (bash, zsh or fish) over ``nodes``."""
    _check(nodes)
    head = "# scriptrunner completion for {shell}: generated by `scriptrunner completion {shell}`\n"
    if shell == "fish":
        return head.format(shell=shell) + _fish_tables(nodes) + "\n" + _FISH_DRIVER
    first = "#compdef scriptrunner\n" if shell == "zsh" else ""
    driver = _ZSH_DRIVER if shell == "zsh" else _BASH_DRIVER
    return first + head.format(shell=shell) + _sh_tables(nodes) + "\n" + _SH_WALK + "\n" + driver
