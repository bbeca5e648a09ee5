#!/usr/bin/env bash
# Builds storescript for release and installs it under PREFIX (default /usr/local):
#   PREFIX/bin/storescript                      the binary (Swift's standard library linked in)
#   PREFIX/share/storescript/stdlib/            the Lua modules it ships (help, pretty, repl, args)
#   PREFIX/share/man/man1/storescript.1         the man page (swift-argument-parser's generate-manual)
#   PREFIX/share/bash-completion/completions/storescript, zsh and fish completions
# Usage: scripts/install.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-/usr/local}"

scripts/setup.sh
swift build -c release --static-swift-stdlib --product storescript
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/storescript"

install -d "$prefix/bin" "$prefix/share/storescript" "$prefix/share/man/man1" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$bin" "$prefix/bin/storescript"
rm -rf "$prefix/share/storescript/stdlib"
cp -R stdlib "$prefix/share/storescript/stdlib"

"$prefix/bin/storescript" --generate-completion-script bash > "$prefix/share/bash-completion/completions/storescript"
"$prefix/bin/storescript" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_storescript"
"$prefix/bin/storescript" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/storescript.fish"

# The man page, from the same command tree as --help.
swift package plugin generate-manual >/dev/null
manual="$(find .build/plugins -name 'storescript.1' -print -quit)"
if [ -n "$manual" ]; then install -m 0644 "$manual" "$prefix/share/man/man1/storescript.1"; fi

echo "installed $("$prefix/bin/storescript" --version) in $prefix"
