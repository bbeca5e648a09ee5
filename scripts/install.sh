#!/usr/bin/env bash
# Builds storescript for release and installs it under PREFIX (default /usr/local):
#   PREFIX/bin/storescript                      the binary, stripped (Swift's standard library linked in)
#   PREFIX/share/storescript/stdlib/            the Lua modules it ships (help, pretty, repl, args, report)
#   PREFIX/share/storescript/types/             editor definitions: storescript.lua (Lua Language Server,
#                                               ---@meta) and luacheckrc (a luacheck standard)
#   PREFIX/share/man/man1/storescript.1         the man page (swift-argument-parser's generate-manual)
#   PREFIX/share/bash-completion/completions/storescript, zsh and fish completions
# Usage: scripts/install.sh [--binary PATH] [--no-manual] [PREFIX]
#   --binary PATH   install this binary instead of building one (it is stripped on the way)
#   --no-manual     skip the man page (its generator is a build of its own)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="" manual=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) bin="$2"; shift 2 ;;
    --no-manual) manual=0; shift ;;
    -*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
prefix="${1:-/usr/local}"

scripts/setup.sh
if [ -z "$bin" ]; then
  swift build -c release --static-swift-stdlib --product storescript
  bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/storescript"
fi

install -d "$prefix/bin" "$prefix/share/storescript/types" "$prefix/share/man/man1" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
# Stripped: the symbols are half the binary's size and nothing at run time reads them.
install -m 0755 -s "$bin" "$prefix/bin/storescript"
rm -rf "$prefix/share/storescript/stdlib"
cp -R stdlib "$prefix/share/storescript/stdlib"

# Editor definitions, from the installed binary's own catalog (README: "Editors").
"$prefix/bin/storescript" docs --format luals --out "$prefix/share/storescript/types/storescript.lua"
"$prefix/bin/storescript" docs --format luacheck --out "$prefix/share/storescript/types/luacheckrc"

"$prefix/bin/storescript" --generate-completion-script bash > "$prefix/share/bash-completion/completions/storescript"
"$prefix/bin/storescript" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_storescript"
"$prefix/bin/storescript" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/storescript.fish"

# The man page, from the same command tree as --help.
if [ "$manual" = 1 ]; then
  swift package plugin generate-manual >/dev/null
  page="$(find .build/plugins -name 'storescript.1' -print -quit)"
  if [ -n "$page" ]; then install -m 0644 "$page" "$prefix/share/man/man1/storescript.1"; fi
fi

echo "installed $("$prefix/bin/storescript" --version) in $prefix"
