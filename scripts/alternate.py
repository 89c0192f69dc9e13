#!/usr/bin/env python3
"""Times shell commands in turn, RUNS times each after five warm-up rounds, and prints each
command's median wall time with its quartiles. Alternating keeps the host's load changes from
favouring one command: compare the medians of one run, not of separate runs.

usage: scripts/alternate.py RUNS 'command 1' 'command 2' ...
"""
import statistics
import subprocess
import sys
import time

WARM_UP = 5


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    runs, commands = int(sys.argv[1]), sys.argv[2:]
    times = [[] for _ in commands]
    for round_number in range(WARM_UP + runs):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if round_number >= WARM_UP:
                times[index].append((time.perf_counter() - start) * 1000)
    for command, samples in zip(commands, times):
        samples.sort()
        quartile = len(samples) // 4
        print(f"{statistics.median(samples):8.2f} ms median  p25 {samples[quartile]:7.2f}  p75 {samples[-1 - quartile]:7.2f}  {command}")


if __name__ == "__main__":
    main()
