#!/usr/bin/env bash
# The production build of securemail-relay (README, "Production build"), which every benchmark
# uses as well: the Swift runtime linked in (no shared Swift libraries to resolve at start), and
# only the symbols the dynamic linker needs exported (fewer to look up, fewer pages touched), and
# linked by the toolchain's lld with packed relative relocations (glibc 2.36 and later): the
# 140,000 address fix-ups of the position-independent binary take 28 KB instead of 3.4 MB, and
# each start reads and applies them faster (0.5-1 ms of a 9 ms start). Every module's concrete
# generic types are reached through their metadata accessors instead of by mangled name: a name
# is resolved at run time, and each generic requirement it names costs a scan of all 10,554
# protocol-conformance records on first use (13 % of the instructions of one `inspect`; the
# binary grows by 0.2 %, the cost per message is unchanged).
# Prints the binary's path.
#
# The freshly linked binary is written back and dropped from the page cache: the linker leaves it
# there in large folios, which map more of it into every process (5 MiB more resident memory per
# run than the same binary read from disk, as an installed one is), and the benchmarks' peak
# memory would measure that instead of the program.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs
    -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)
swift build "${flags[@]}" --product securemail-relay >&2
binary="$(swift build "${flags[@]}" --show-bin-path)/securemail-relay"
python3 - "$binary" <<'PY'
import os, sys
descriptor = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(descriptor)
os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(descriptor)
PY
echo "$binary"
