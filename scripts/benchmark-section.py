#!/usr/bin/env python3
"""Writes one benchmark script's results into BENCHMARKS.md.

    benchmark-section.py NAME < SECTION

SECTION (standard input) must start with <!-- NAME:begin --> and end with <!-- NAME:end -->;
it replaces the text between those markers in BENCHMARKS.md, or is appended when the markers
are not there yet. Every other section stays as it is.
"""
import re
import sys

name = sys.argv[1]
section = sys.stdin.read().strip("\n")
path = "BENCHMARKS.md"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
pattern = re.compile(rf"<!-- {re.escape(name)}:begin -->.*?<!-- {re.escape(name)}:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = (text.rstrip("\n") if text.strip() else "# Benchmarks") + "\n\n" + section + "\n"
open(path, "w").write(text)
