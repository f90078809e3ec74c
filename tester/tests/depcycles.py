#!/usr/bin/env python3
"""depcycles.py: the file-level call graph of the objects in a build
directory, from nm (issue 16: "cut the dependency circles").  It reads
DIR/libmailspec.a and DIR/main.o (exactly what is linked, no stale object
of a file since removed), or DIR/*.o when there is no library.

A file A depends on a file B when A.o has an undefined (U) symbol that
B.o defines (T, D, B, R, ...).  A 2-cycle is A -> B and B -> A: two files
that call each other, usually a helper that sits in the wrong file or a
layer that calls back into the one above it.

    depcycles.py DIR            each 2-cycle as "a.c <-> b.c", sorted
    depcycles.py DIR --edges A  what A.c uses from each other file (why)
"""
import collections
import glob
import os
import subprocess
import sys

DEFINED = set("TDBRCGSVW")


def graph(objdir):
    lib = os.path.join(objdir, "libmailspec.a")
    if os.path.exists(lib):
        objs = [lib] + glob.glob(os.path.join(objdir, "main.o"))
    else:
        objs = sorted(glob.glob(os.path.join(objdir, "*.o")))
    if not objs:
        sys.exit("depcycles.py: no objects in %s (build first)" % objdir)
    out = subprocess.run(["nm", "-A"] + objs, check=True,
                         capture_output=True, text=True).stdout
    defs, uses = {}, collections.defaultdict(set)
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        if path.endswith(".a"):  # archive:member.o: value type name
            path, _, rest = rest.partition(":")
        f = os.path.basename(path)[:-2] + ".c"
        p = rest.split()
        if len(p) == 3 and p[1] in DEFINED:
            defs[p[2]] = f
        elif len(p) == 2 and p[0] == "U":
            uses[f].add(p[1])
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for f, syms in uses.items():
        for s in syms:
            g = defs.get(s)
            if g and g != f:
                edges[f][g].add(s)
    return edges


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    edges = graph(sys.argv[1])
    if len(sys.argv) == 4 and sys.argv[2] == "--edges":
        for g, syms in sorted(edges[sys.argv[3]].items()):
            print("%s -> %s: %s" % (sys.argv[3], g, " ".join(sorted(syms))))
        return
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if a < b and a in edges[b]:
                print("%s <-> %s" % (a, b))


if __name__ == "__main__":
    main()
