#!/usr/bin/python3
"""deps_check.py: does tester/deps.sh list every package the test scripts use?

usage: deps_check.py --packages "PKG..." --base "PKG..." FILE...

A fresh Debian 12 machine that has run tester/deps.sh holds exactly the
files of the listed packages (--packages), of the base system (--base: the
essential/minbase packages every Debian root has) and of the packages these
depend on (Depends and Pre-Depends, as apt installs them).  This script
reads that set from dpkg's database (dpkg-query -W / -L, no network) and
then checks every FILE:

  - Python files (*.py): each `import X` / `from X import` must be a module
    of the standard library (shipped by python3's own packages), a module of
    the set, or a sibling file of the script;  each program started through
    subprocess/os with a literal name must be in the set.
  - Shell scripts (everything else): each word in command position (after
    a newline, ;, |, &&, ||, $( ..., then, do, exec, command, env ...) that
    is not a shell builtin, a keyword, a function defined in the scanned
    files or a path into the project must be a program of the set (found by
    its name in a bin directory of the set, or, for alternatives such as
    awk or cc, by resolving /usr/bin/NAME to a file of the set);  Python
    run inline (`python3 -c '...'`, a here-document fed to python3) is
    checked like a Python file.

Prints one line per finding, `FILE:LINE: ...`, and exits 1 when there is
one, 0 when there is none, 2 on a usage error or when dpkg cannot say.
"""
import argparse
import ast
import os
import re
import subprocess
import sys

BIN_DIRS = ("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")
DIST = re.compile(r"^/usr/lib/python3/dist-packages/([A-Za-z_][A-Za-z0-9_]*)"
                  r"(?:/|\.py$|\.[^/]*\.so$)")
STDLIB = re.compile(r"^/usr/lib/python3\.[0-9]+/(?:lib-dynload/)?"
                    r"([A-Za-z_][A-Za-z0-9_]*)(?:/|\.py$|\.[^/]*\.so$)")

# POSIX sh builtins and reserved words, and the few bash/dash ones the
# scripts use: never programs.
BUILTINS = set("""
. : [ [[ ]] alias bg break cd command continue echo eval exec exit export
false fg getopts hash jobs kill let local printf pwd read readonly return
set shift source test times trap true type ulimit umask unalias unset wait
declare typeset
""".split())
KEYWORDS_CMD = {"if", "then", "else", "elif", "do", "while", "until", "!",
                "{", "(", "time"}
KEYWORDS_END = {"fi", "done", "esac", "}", ")"}
# Commands whose (first non-option) argument is itself a command.
WRAPPERS = {"exec", "command", "env", "nohup", "nice", "setsid", "xargs",
            "timeout", "sudo", "chroot", "flock", "unshare", "setpriv",
            "valgrind", "stdbuf"}
SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output"}


# ---- the package set -------------------------------------------------------

def dpkg_installed():
    """{package: (provides, depends)} of every installed package."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f",
         "${Package}\t${db:Status-Abbrev}\t${Provides}\t${Depends}, "
         "${Pre-Depends}\n"],
        capture_output=True, text=True, check=True).stdout
    pkgs = {}
    for line in out.splitlines():
        name, status, provides, depends = (line.split("\t") + ["", "", ""])[:4]
        if not status.startswith("ii"):
            continue
        pkgs[name] = ([p.split()[0] for p in provides.split(",") if p.strip()],
                      depends)
    return pkgs


def closure(roots, pkgs):
    """ROOTS and everything they depend on, among the installed packages.
    A dependency "a | b" is met by its first installed alternative (or
    package providing it), as apt would have chosen."""
    provided = {}
    for name, (provides, _) in pkgs.items():
        for p in provides:
            provided.setdefault(p, []).append(name)
    seen, todo, missing = set(), list(roots), []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in pkgs:
            missing.append(name)
            continue
        seen.add(name)
        for dep in pkgs[name][1].split(","):
            for alt in dep.split("|"):
                alt = re.sub(r"\(.*?\)|\[.*?\]|:any|:native", "", alt).strip()
                if not alt:
                    continue
                hit = [alt] if alt in pkgs else provided.get(alt, [])
                if hit:
                    todo.extend(hit[:1])
                    break
    return seen, missing


def package_files(names):
    out = subprocess.run(["dpkg-query", "-L"] + sorted(names),
                         capture_output=True, text=True).stdout
    return {l for l in out.splitlines() if l.startswith("/")}


class Provided:
    """What the packages bring: program names, Python modules, files."""

    def __init__(self, listed, base):
        pkgs = dpkg_installed()
        names, missing = closure(listed + base, pkgs)
        self.missing = [m for m in missing if m in listed + base]
        self.files = package_files(names)
        self.programs = {f.rsplit("/", 1)[1] for f in self.files
                         if f.startswith(BIN_DIRS)}
        self.modules = {m.group(1) for f in self.files
                        for m in [DIST.match(f) or STDLIB.match(f)] if m}
        self.modules |= set(sys.builtin_module_names)

    def has_program(self, word):
        if word.startswith("/"):
            return self.has_path(word)
        if word in self.programs:
            return True
        # alternatives (awk -> mawk, cc -> gcc): /usr/bin/NAME is a link
        # that update-alternatives made to a file of the set
        for d in BIN_DIRS:
            if os.path.lexists(d + word) and self.has_path(d + word):
                return True
        return False

    def has_path(self, path):
        if path in self.files:
            return True
        real = os.path.realpath(path)
        # /bin is /usr/bin on a merged-/usr system (usr-is-merged)
        return real in self.files or real.replace("/usr/", "/", 1) in self.files


# ---- Python ----------------------------------------------------------------

def python_findings(path, text, line0, provided, local):
    """(line, message) for each unlisted import or program in TEXT."""
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        return [(line0 + (e.lineno or 1) - 1, "cannot parse as Python: %s" % e.msg)]
    out = []
    for node in ast.walk(tree):
        mods = []
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods = [node.module]
        for m in mods:
            top = m.split(".")[0]
            if top not in provided.modules and top not in local:
                out.append((line0 + node.lineno - 1,
                            "imports %s, which neither the standard library "
                            "nor a package of tester/deps.sh brings" % top))
        prog = subprocess_program(node)
        if prog and not provided.has_program(prog):
            out.append((line0 + node.lineno - 1,
                        "starts %s, which no package of tester/deps.sh "
                        "brings" % prog))
    return out


def subprocess_program(node):
    """The literal program name of subprocess.run(["prog", ...]) and the
    like, or os.execvp("prog", ...)."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    arg = node.args[0]
    if name in SUBPROCESS and isinstance(arg, (ast.List, ast.Tuple)) and arg.elts:
        arg = arg.elts[0]
    elif not name.startswith("exec"):
        return None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value.split()[0] if arg.value.split() else None
    return None


# ---- shell -----------------------------------------------------------------

class Word:
    def __init__(self, line):
        self.line = line
        self.text = ""       # with quotes removed
        self.literal = True  # no $ expansion, no glob
        self.quoted = False
        self.assign = None   # NAME= at the start (a match)
        self.var = None      # for NAME=/usr/bin/prog: NAME

    @staticmethod
    def program(line, text):
        w = Word(line)
        w.text = text
        return w


class ShellLexer:
    """Just enough of the POSIX sh grammar to find the words in command
    position: quotes, escapes, comments, $(...), `...`, ${...}, $((...)),
    here-documents, case patterns.  Yields Word objects and operator
    strings ("\\n", ";", "|", "&&", ...)."""

    def __init__(self, text, line=1):
        self.s, self.i, self.line = text, 0, line
        self.heredocs = []   # delimiters waiting for the end of this line
        self.bodies = []     # (line, delimiter, body) of the documents read

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def tokens(self, until=None):
        """Tokens until the end, or until the closing UNTIL (")" or "`")."""
        while self.i < len(self.s):
            c = self.peek()
            if c == "\n":
                self.i += 1
                self.line += 1
                self.read_heredocs()
                yield "\n"
            elif c in " \t":
                self.i += 1
            elif c == "\\" and self.peek(1) == "\n":
                self.i += 2
                self.line += 1
            elif c == "#":
                while self.i < len(self.s) and self.peek() != "\n":
                    self.i += 1
            elif until and c == until:
                self.i += 1
                return
            elif c in ";&|()<>":
                yield from self.operator(c)
            else:
                w = self.word(until)
                if not (w.text.isdigit() and not w.quoted and
                        self.peek() in "<>"):
                    yield w  # (an IO number such as the 2 of 2>&1 is not)

    def operator(self, c):
        two = c + self.peek(1)
        if two == "<<":
            self.i += 2
            if self.peek() == "-":
                self.i += 1
            while self.peek() in " \t":
                self.i += 1
            w = self.word(None)
            self.heredocs.append((w.text, w.quoted))
            return
        if two in ("&&", "||", ";;", ">>", ">&", "<&", "<>", ">|"):
            self.i += 2
            yield two if two in ("&&", "||", ";;") else ">"
            return
        self.i += 1
        yield ">" if c in "<>" else c

    def read_heredocs(self):
        for delim, _ in self.heredocs:
            start, body = self.line, []
            while self.i < len(self.s):
                end = self.s.find("\n", self.i)
                end = len(self.s) if end < 0 else end
                text = self.s[self.i:end]
                self.i = end + 1
                self.line += 1
                if text.lstrip("\t") == delim:
                    break
                body.append(text)
            self.bodies.append((start, delim, "\n".join(body)))
        self.heredocs = []

    def word(self, until):
        w = Word(self.line)
        start = self.i
        w.assign = re.match(r"[A-Za-z_][A-Za-z0-9_]*=", self.s[start:start + 64])
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t\n;&|<>()":
                break
            if until and c == until:
                break
            if c == "\\":
                w.text += self.peek(1)
                self.i += 2
            elif c == "'":
                end = self.s.find("'", self.i + 1)
                end = len(self.s) if end < 0 else end
                w.text += self.s[self.i + 1:end]
                self.line += self.s.count("\n", self.i, end)
                self.i = end + 1
                w.quoted = True
            elif c == '"':
                self.i += 1
                w.quoted = True
                self.double_quoted(w)
            elif c == "`":
                self.i += 1
                self.substitution("`")
                w.literal = False
            elif c == "$":
                self.dollar(w)
            else:
                if c in "*?[":
                    w.literal = False
                w.text += c
                self.i += 1
        return w

    def double_quoted(self, w):
        while self.i < len(self.s) and self.peek() != '"':
            c = self.peek()
            if c == "\\":
                w.text += self.peek(1)
                self.i += 2
            elif c == "$":
                self.dollar(w)
            elif c == "`":
                self.i += 1
                self.substitution("`")
                w.literal = False
            else:
                if c == "\n":
                    self.line += 1
                w.text += c
                self.i += 1
        self.i += 1

    def dollar(self, w):
        w.literal = False
        nxt = self.peek(1)
        if nxt == "(" and self.peek(2) == "(":
            self.skip_balanced("((", "))")
        elif nxt == "(":
            self.i += 2
            self.substitution(")")
        elif nxt == "{":
            self.skip_balanced("{", "}")
        else:
            self.i += 1
            w.text += "$"

    def skip_balanced(self, open_, close):
        self.i += 1  # the $
        depth = 0
        while self.i < len(self.s):
            if self.s.startswith(open_, self.i):
                depth += 1
                self.i += len(open_)
            elif self.s.startswith(close, self.i):
                depth -= 1
                self.i += len(close)
                if depth == 0:
                    return
            else:
                if self.peek() == "\n":
                    self.line += 1
                self.i += 1

    def substitution(self, until):
        """A nested command: its commands are scanned too."""
        self.nested.append(list(self.tokens(until)))

    nested = None


def shell_commands(text, line=1):
    """(Word, [argument Words]) of each simple command in TEXT, nested
    substitutions included, and the here-documents' (line, body, command)."""
    lx = ShellLexer(text, line)
    lx.nested = []
    streams = [list(lx.tokens())]
    cmds, docs = [], []
    while streams or lx.nested:
        toks = streams.pop() if streams else lx.nested.pop()
        cmds.extend(split_commands(toks))
    for start, _, body in lx.bodies:
        docs.append((start, body))
    return cmds, docs


def split_commands(toks):
    """Split a token stream into simple commands: [(name Word, args)].
    Keywords, assignments, redirection targets, case patterns and the
    words of `for NAME in ...` are dropped."""
    out, cur = [], None
    state = "start"  # start | args | case-word | case-pattern | for
    cases = 0        # open case ... esac
    redirect = False
    for t in toks:
        if isinstance(t, str):
            if t == ">":
                redirect = True
            elif state == "case-pattern":
                if t == ")":
                    state = "start"
            elif t == ";;":
                state = "case-pattern" if cases else "start"
            elif t == ")":
                state = "args"  # the end of a subshell
            elif state not in ("for", "case-word"):
                state = "start"
            cur = None
            continue
        if redirect:
            redirect = False
            continue
        word, bare = t.text, t.literal and not t.quoted
        if state == "case-word":
            if bare and word == "in":
                state = "case-pattern"
        elif state == "case-pattern":
            if bare and word == "esac":
                cases -= 1
                state = "args"
        elif state == "for":
            if bare and word == "do":
                state = "start"
        elif state == "start":
            if bare and word == "case":
                cases += 1
                state = "case-word"
            elif bare and word == "for":
                state = "for"
            elif bare and word in KEYWORDS_CMD:
                pass
            elif bare and word in KEYWORDS_END:
                cases -= word == "esac" and cases > 0
                state = "args"
            elif t.assign:
                # an assignment before the command; PROG=/usr/bin/prog
                # names a program the script runs through "$PROG"
                value = word[t.assign.end():]
                if value.startswith(BIN_DIRS) and t.literal and " " not in value:
                    w = Word.program(t.line, value)
                    w.var = word[:t.assign.end() - 1]
                    out.append((w, []))
            else:
                cur = (t, [])
                out.append(cur)
                state = "args"
        elif cur is not None:
            cur[1].append(t)
    return out


def unwrap(name, args):
    """`exec prog`, `env A=b prog`, `timeout 5 prog`, `xargs -0 prog`,
    `command -v prog` ...: (the program they run, its arguments), or
    (None, None)."""
    while name.text in WRAPPERS and args:
        if name.text == "command" and args[0].text in ("-v", "-V"):
            return None, None  # a probe (command -v X), not a call
        rest = list(args)
        while rest and (rest[0].text.startswith("-") or
                        re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", rest[0].text) or
                        (name.text in ("timeout", "flock", "nice") and
                         re.match(r"^[0-9.]+[smhd]?$", rest[0].text))):
            opt = rest.pop(0).text
            if name.text in ("unshare", "setpriv", "valgrind", "xargs",
                             "sudo", "timeout") and opt in ("-s", "-u", "-g",
                                                            "-k", "-I", "-n"):
                if rest:
                    rest.pop(0)
        if name.text == "chroot" and rest:
            rest.pop(0)
        if not rest:
            return None, None
        name, args = rest[0], rest[1:]
    return name, args


class Checker:
    def __init__(self, provided, root):
        self.p, self.root = provided, root
        self.functions = set()
        self.runners = {}  # function -> index of the command among its args
        self.optional = set()
        self.findings = []

    def add(self, path, line, msg):
        self.findings.append("%s:%d: %s" % (os.path.relpath(path, self.root), line, msg))

    def learn_functions(self, text):
        for m in re.finditer(r"(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)", text):
            self.functions.add(m.group(1))
        # A function documented as "NAME DESC CMD..." (lib.sh's ok, the
        # benchmarks' measure) runs the command given at that place.
        for line in re.findall(r"(?m)^\s*#(.*)$", text):
            for m in re.finditer(r"\b([a-z_][a-z0-9_]*)((?: +\[?[A-Z][A-Z0-9_]*\]?)*)"
                                 r" +CMD\.\.\.", line):
                self.runners[m.group(1)] = len(m.group(2).split())

    def local_modules(self, path):
        d = os.path.dirname(os.path.abspath(path))
        return {f[:-3] for f in os.listdir(d) if f.endswith(".py")}

    def check_python(self, path, text, line0=1):
        for line, msg in python_findings(path, text, line0, self.p,
                                         self.local_modules(path)):
            self.add(path, line, msg)

    def check_shell(self, path, text, line0=1):
        cmds, docs = shell_commands(text, line0)
        # "$NAME" run as a command: NAME=/usr/bin/prog names a program
        run_vars = {n.text[1:] for n, _ in cmds
                    if re.match(r"^\$[A-Za-z_][A-Za-z0-9_]*$", n.text)}
        for name, args in cmds:
            if name.var is not None:
                if name.var in run_vars:
                    self.check_program(path, name)
                continue
            prog, args = unwrap(name, args)
            if prog is not None and prog.text in self.runners:
                k = self.runners[prog.text]
                prog, args = unwrap(args[k], args[k + 1:]) if len(args) > k \
                    else (None, None)
            if prog is None:
                continue
            if self.is_python(prog):
                self.inline_python(path, prog, args)
                continue
            if self.is_shell(prog):
                self.inline_shell(path, args)
            self.check_program(path, prog)
        for start, body in docs:
            # here-documents fed to python3 (`$PY - <<EOF`): Python code
            # with imports (YAML, SMTP dialogue and mail never parse so)
            if re.search(r"(?m)^(import|from) [A-Za-z_]", body) and \
                    self.looks_python(body):
                self.check_python(path, body, start)

    def looks_python(self, body):
        try:
            ast.parse(body)
            return True
        except SyntaxError:
            return False

    def is_python(self, w):
        t = w.text
        return (t in ("$PY", "$PYTHON") or
                re.match(r"^(/usr/bin/)?python3(\.[0-9]+)?$", t) is not None)

    def is_shell(self, w):
        return w.literal and w.text in ("sh", "bash", "dash", "/bin/sh")

    def inline_python(self, path, prog, args):
        if prog.text.startswith("$"):
            pass  # lib.sh: PY=/usr/bin/python3
        elif not self.p.has_program(prog.text):
            self.add(path, prog.line, "calls %s, which no package of "
                     "tester/deps.sh brings" % prog.text)
        for a, b in zip(args, args[1:]):
            if a.text == "-c":
                self.check_python(path, b.text, b.line)
                return

    def inline_shell(self, path, args):
        for a, b in zip(args, args[1:]):
            if a.text == "-c" and b.quoted:
                self.check_shell(path, b.text, b.line)
                return

    def check_program(self, path, w):
        t = w.text
        if not w.literal or not t or t in BUILTINS or t in self.functions:
            return
        if t in KEYWORDS_CMD or t in KEYWORDS_END or t in ("in", "esac"):
            return
        if "/" in t and not t.startswith("/"):
            return  # a file of the project (./mailspec, tester/...)
        if t.startswith("/") and (t.startswith(self.root) or
                                  not t.startswith(BIN_DIRS)):
            return
        if not re.match(r"^[A-Za-z0-9_./+-]+$", t):
            return
        if t == "mailspec" or t in self.optional:
            return
        if not self.p.has_program(t):
            self.add(path, w.line, "calls %s, which no package of "
                     "tester/deps.sh (nor the base system) brings" % t)

    def check(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if path.endswith(".py") or text.startswith("#!/usr/bin/python") or \
                text.startswith("#!/usr/bin/env python"):
            self.check_python(path, text)
        else:
            self.check_shell(path, text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packages", required=True,
                    help="the packages of tester/deps.sh")
    ap.add_argument("--base", required=True,
                    help="the base system's packages (essential, minbase)")
    ap.add_argument("--root", default=os.getcwd(),
                    help="the project's root (paths below it are its own)")
    ap.add_argument("--optional", default="",
                    help="programs used only when present (a diagnostic)")
    ap.add_argument("--functions", action="append", default=[],
                    help="a shell file whose functions are known (lib.sh)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    try:
        provided = Provided(a.packages.split(), a.base.split())
    except (OSError, subprocess.CalledProcessError) as e:
        print("deps_check.py: cannot read dpkg's database: %s" % e, file=sys.stderr)
        return 2
    if provided.missing:
        print("deps_check.py: not installed: %s (run `make deps`)"
              % " ".join(provided.missing), file=sys.stderr)
        return 2
    c = Checker(provided, os.path.abspath(a.root))
    c.optional = set(a.optional.split())
    for path in a.functions + a.files:
        with open(path, encoding="utf-8", errors="replace") as f:
            c.learn_functions(f.read())
    for path in a.files:
        c.check(path)
    for line in c.findings:
        print(line)
    return 1 if c.findings else 0


if __name__ == "__main__":
    sys.exit(main())
