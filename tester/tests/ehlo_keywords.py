#!/usr/bin/env python3
"""ehlo_keywords.py: the each_line: regex of
transcripts/smtp/ehlo-keywords-registered.yaml, from the IANA keyword list
suites/data/iana-smtp-service-extensions.txt (RFC 5321 §2.2.2).

  ehlo_keywords.py           print the regex
  ehlo_keywords.py --write   put it into the transcript
  ehlo_keywords.py --check   exit 1 when the transcript's regex is stale

Every line of the EHLO reply must be the first line (the server's domain,
captured as ${dom} from an earlier EHLO), a registered keyword, or an
"X" keyword, alone or followed by a space and parameters; a line with no
keyword at all (smtp-sink ends with "250 ") offers none.  No groups:
each_line: compares a regex's first group across lines.  Keywords are
matched in any case (RFC 5321 §2.4: "extension name keywords ... are not
case sensitive")."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIST = os.path.join(ROOT, "suites", "data", "iana-smtp-service-extensions.txt")
TRANSCRIPT = os.path.join(ROOT, "transcripts", "smtp", "ehlo-keywords-registered.yaml")


def keywords():
    out = []
    with open(LIST, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line.split()[0])
    return out


def anycase(word):
    # keywords are letters, digits and "-" (RFC 5321 §4.1.1.1's ehlo-keyword)
    return "".join("[%s%s]" % (c.upper(), c.lower()) if c.isalpha() else c
                   for c in word)


def regex():
    # "X" and whatever follows up to a space: local, not registered
    # (§2.2.2); whether it is a well-formed keyword is smtp/ehlo-syntax's.
    words = ["${dom}"] + [anycase(k) for k in keywords()] + ["[Xx][^ ]*"]
    # A line without a keyword offers none (its syntax is another test's).
    return "^250[- ] *$|" + "|".join("^250[- ]%s$|^250[- ]%s .*$" % (w, w)
                                     for w in words)


def main(argv):
    rx = regex()
    if len(argv) < 2:
        print(rx)
        return 0
    with open(TRANSCRIPT, encoding="utf-8") as f:
        text = f.read()
    line = "        each_line: '%s'\n" % rx
    new = re.sub(r"(?m)^        each_line: '.*'\n", lambda m: line, text)
    if argv[1] == "--check":
        if new != text or line not in text:
            print("%s: each_line: is stale; run %s --write" % (TRANSCRIPT, argv[0]))
            return 1
        return 0
    if argv[1] == "--write":
        with open(TRANSCRIPT, "w", encoding="utf-8") as f:
            f.write(new)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
