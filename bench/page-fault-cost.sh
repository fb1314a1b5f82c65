#!/usr/bin/env bash
# What a page fault costs on this machine: the CPU per 4 KB page first touched in fresh anonymous memory (each touch is
# one minor fault), against touching the same pages again. On our virtual machines a fault costs tens of times what it
# does on bare metal, so memory a process keeps growing into (a cache filling, a heap given back and taken again) shows
# in its CPU per order. Usage: bash bench/page-fault-cost.sh [pages=200000]
set -euo pipefail
python3 - "${1:-200000}" <<'PY'
import mmap, resource, sys, time
pages = int(sys.argv[1])
memory = mmap.mmap(-1, pages * 4096)
def touch(value):
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.process_time()
    for offset in range(0, pages * 4096, 4096):
        memory[offset] = value
    return time.process_time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
first, faults = touch(1)
again, _ = touch(2)
print(f"{faults} faults in {pages} pages: {(first - again) / max(faults, 1) * 1e6:.1f} us of CPU per fault "
      f"(first touch {first / pages * 1e6:.2f} us per page, touching again {again / pages * 1e6:.2f})")
PY
