#!/usr/bin/env bash
# The production build of securemail-relay (README, "Production build"), which every benchmark
# uses as well: the Swift runtime linked in (no shared Swift libraries to resolve at start), and
# only the symbols the dynamic linker needs exported (fewer to look up, fewer pages touched).
# Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic)
swift build "${flags[@]}" --product securemail-relay >&2
echo "$(swift build "${flags[@]}" --show-bin-path)/securemail-relay"
