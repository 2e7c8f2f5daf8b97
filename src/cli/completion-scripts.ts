// The scripts `topo completion bash|zsh|fish` prints: shims that ask `topo __complete` (completion.ts) what to
// offer, so the three shells offer the same words, decided in one place. Each handles the two directives:
// ':files' (directories and lab files, *.yaml / *.yml) and ':default' (any file: the command after `--`).
// Written with @{ where the shells have ${ (in a template literal that would start a substitution); `script` puts ${ back.

const BASH = String.raw`# topo completion for bash. Load it with: source <(topo completion bash)
# or install it: topo completion bash > /usr/share/bash-completion/completions/topo
_topo() {
  local cur=@{COMP_WORDS[COMP_CWORD]} line lines
  local IFS=$'\n'
  lines=$(topo __complete "@{COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  COMPREPLY=()
  case $lines in
    :files) compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.y*ml' -- "$cur")); return 0 ;;
    :default) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
  esac
  for line in $lines; do COMPREPLY+=("@{line%%$'\t'*}"); done
}
complete -F _topo topo
`;

const ZSH = String.raw`#compdef topo
# topo completion for zsh. Load it after compinit with: source <(topo completion zsh)
# or save it as _topo in a folder of $fpath.
_topo() {
  local -a lines cands
  local out line
  out=$(topo __complete "@{(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("@{(@f)out}")
  case @{lines[1]} in
    :files) _files -g '*.(yaml|yml)(-.)'; return ;;
    :default) _files; return ;;
  esac
  for line in $lines; do
    [[ -n $line ]] || continue
    if [[ $line == *$'\t'* ]]; then cands+=("@{@{line%%$'\t'*}//:/\\:}:@{line#*$'\t'}")
    else cands+=("@{line//:/\\:}"); fi
  done
  (( @{#cands} )) && _describe -t topo 'topo' cands
}
if [[ @{funcstack[1]} == _topo ]]; then _topo "$@"; else compdef _topo topo; fi
`;

const FISH = String.raw`# topo completion for fish. Load it with: topo completion fish | source
# or save it as ~/.config/fish/completions/topo.fish
function __topo_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l out (topo __complete $tokens[2..-1] 2>/dev/null)
    switch "$out[1]"
        case :files
            __fish_complete_suffix .yaml
            __fish_complete_suffix .yml
        case :default
            __fish_complete_path (commandline -ct)
        case '*'
            printf '%s\n' $out
    end
end
complete -c topo -f -a '(__topo_complete)'
`;

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
const script = (text: string) => text.replaceAll('@{', '${');
export const completionScript = (shell: Shell): string => script({ bash: BASH, zsh: ZSH, fish: FISH }[shell]);
