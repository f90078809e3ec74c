#!/usr/bin/python3
"""detection.py: reads tester/tests/detection.yaml for detection.t.

  detection.py count                  the number of entries
  detection.py entry I WORKDIR        shell assignments for entry I (D_*);
                                      its world, if any, is written to WORKDIR
  detection.py judge I JSON           one line per check of entry I against
                                      the run's JSON result: "ok<TAB>desc" or
                                      "not ok<TAB>desc<TAB>diagnostic"
  detection.py caught                 every transcript id some entry catches
  detection.py unproven RFC...        the transcripts of the bundled suites
                                      that cover a server MUST (or MUST NOT)
                                      of one of these RFCs and that no entry
                                      catches: "ID<TAB>REQUIREMENT IDS"
DETECTION_CACHE=FILE: parse detection.yaml once, keep it in FILE (JSON).
"""
import fnmatch
import glob
import json
import os
import shlex
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


# detection.t calls this script twice per entry: parsing the YAML each
# time cost more than the runs themselves (about 1 s a call on a busy
# machine).  With DETECTION_CACHE set, the entries are parsed once and
# kept there as JSON.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_LOADER):
    """A key given twice is an error, not "the last one wins"."""


def _mapping(loader, node, deep=False):
    seen = {}
    for k, _ in node.value:
        key = loader.construct_object(k, deep=True)
        if key in seen:
            sys.exit("detection.yaml:%d: duplicate key %r (first at line %d)"
                     % (k.start_mark.line + 1, key, seen[key]))
        seen[key] = k.start_mark.line + 1
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)

_ENTRIES = None


def entries():
    global _ENTRIES
    if _ENTRIES is not None:
        return _ENTRIES
    cache = os.environ.get("DETECTION_CACHE")
    if cache and os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            _ENTRIES = json.load(f)
        return _ENTRIES
    with open(os.path.join(HERE, "detection.yaml"), encoding="utf-8") as f:
        d = yaml.load(f, Loader=_StrictLoader)
    if not isinstance(d, list):
        sys.exit("detection.yaml: a list of entries expected")
    if cache:
        with open(cache + ".tmp", "w", encoding="utf-8") as f:
            json.dump(d, f)
        os.rename(cache + ".tmp", cache)
    _ENTRIES = d
    return d


def suite_path(s):
    if "/" in s or s.endswith(".yaml"):
        return os.path.join(ROOT, s)
    return os.path.join(ROOT, "suites", s + ".yaml")


def describe(e):
    server = e.get("server", "reference")
    if server == "reference":
        return "--fault " + e["fault"]
    return "%s %s" % (server, e["fault"])


def cmd_entry(i, workdir):
    e = entries()[i]
    server = e.get("server", "reference")
    serve = [str(a) for a in e.get("serve", [])]
    pop3 = "--protocol" in serve and serve[serve.index("--protocol") + 1] == "pop3"
    # Delivery checks (issue 14): the server also serves its maildrops over
    # POP3, and the run reads them back there (--pop3).
    mailbox = "--pop3-listen" in serve
    if server == "reference":
        if not pop3 and "--profile" not in serve:
            serve = ["--profile", "rfc5321"] + serve
        serve += ["--fault", e["fault"]]
        if "world" in e:
            w = os.path.join(workdir, "world-%d.yaml" % i)
            with open(w, "w", encoding="utf-8") as f:
                f.write(e["world"])
            serve += ["--world", w]
    else:
        serve = e["fault"].split() + serve
    default = (["pop3-capa", "rfc1939"] if pop3 else
               ["delivery"] if mailbox else ["rfc5321", "esmtp"])
    suites = [suite_path(s) for s in e.get("suites", default)]
    out = {
        # POP3 suites share one maildrop, whose lock serialises sessions.
        "D_JOBS": "1" if pop3 else ("4" if server != "reference" or mailbox
                                    else "8"),
        "D_SERVER": server,
        "D_DESC": describe(e),
        "D_EXIT": str(e.get("exit", 1)),
        "D_MAILBOX": "1" if mailbox else "",
    }
    for k, v in out.items():
        print("%s=%s" % (k, shlex.quote(v)))
    for k, v in (("D_SERVE", serve), ("D_SUITES", suites),
                 ("D_RUN", [str(a) for a in e.get("run", [])])):
        print("%s=%s" % (k, shlex.quote(" ".join(shlex.quote(a) for a in v))))


def first_bad_step(t):
    bad = [s for s in t.get("steps", []) if s["verdict"] != "PASS"]
    if not bad:
        return "-"
    return "greeting" if bad[0].get("sent") is None else bad[0]["sent"]


def cmd_judge(i, path):
    import re
    e = entries()[i]
    desc = describe(e)
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    by_id = {t["id"]: t for t in d["transcripts"]}
    caught = set()
    for c in e.get("catches", []):
        tid = c["test"]
        caught.add(tid)
        want = c.get("verdict", "FAIL")
        t = by_id.get(tid)
        got = t["verdict"] if t else "MISSING"
        if got != want:
            print("not ok\t%s: %s is %s\tgot %s" % (desc, tid, want, got))
            continue
        print("ok\t%s: %s is %s" % (desc, tid, want))
        if "step" in c:
            sent = first_bad_step(t)
            if re.search(c["step"], sent):
                print("ok\t%s: %s fails at the step answering /%s/" % (desc, tid, c["step"]))
            else:
                print("not ok\t%s: %s fails at the step answering /%s/\tit failed at %r"
                      % (desc, tid, c["step"], sent))
    also = e.get("also", [])
    extra = sorted(t["id"] for t in d["transcripts"]
                   if t["verdict"] in ("FAIL", "ERROR") and t["id"] not in caught
                   and not any(fnmatch.fnmatchcase(t["id"], g) for g in also))
    if extra:
        print("not ok\t%s: no other test fails\talso failed: %s" % (desc, " ".join(extra)))
    else:
        print("ok\t%s: no other test fails" % desc)


def cmd_caught():
    for e in entries():
        for c in e.get("catches", []):
            print(c["test"])


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def must_ids(rfcs):
    """The MUST/MUST NOT requirements of RFCS a client can check."""
    ids = set()
    for rfc in rfcs:
        cat = load_yaml(os.path.join(ROOT, "suites", "requirements", "rfc%s.yaml" % rfc))
        for r in cat.get("requirements", []):
            if (r.get("level") in ("MUST", "MUST NOT") and r.get("binds") in ("server", "both")
                    and r.get("observe") in ("wire", "delivery")):
                ids.add(r["id"])
    return ids


def suite_transcripts():
    """{test id: covers} of every transcript a bundled suite lists."""
    out = {}
    sdir = os.path.join(ROOT, "suites")
    for name in sorted(os.listdir(sdir)):
        if not name.endswith(".yaml"):
            continue
        suite = load_yaml(os.path.join(sdir, name))
        if not isinstance(suite, dict):
            continue
        for rel in suite.get("transcripts", []) or []:
            for path in sorted(glob.glob(os.path.normpath(os.path.join(sdir, rel)))):
                t = load_yaml(path)
                rel_t = os.path.relpath(path, os.path.join(ROOT, "transcripts"))
                out[t.get("id") or rel_t[:-5]] = t.get("covers") or []
    return out


def cmd_unproven(rfcs):
    musts = must_ids(rfcs)
    caught = {c["test"] for e in entries() for c in e.get("catches", [])}
    for tid, covers in sorted(suite_transcripts().items()):
        mine = [c for c in covers if c in musts]
        if mine and tid not in caught:
            print("%s\t%s" % (tid, " ".join(mine)))


def main():
    a = sys.argv[1:]
    if a == ["count"]:
        print(len(entries()))
    elif len(a) == 3 and a[0] == "entry":
        cmd_entry(int(a[1]), a[2])
    elif len(a) == 3 and a[0] == "judge":
        cmd_judge(int(a[1]), a[2])
    elif a == ["caught"]:
        cmd_caught()
    elif len(a) > 1 and a[0] == "unproven":
        cmd_unproven(a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
