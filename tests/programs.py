#!/usr/bin/env python3
"""Every external program that the tests, the installer, the benchmark and the Makefile call,
and the Debian package it comes from; exit 1 when one comes from no package that `make deps`
installs (the Makefile's DEB_BUILD and DEB_TEST, and what those depend on) nor from an
Essential or required package (what every Debian 12 has), or is not installed at all.

  tests/programs.py [--packages "PKG ..."] [FILE...]

FILEs default to the project's: the shell scripts under tests/ and installer/ (bats files
included) and deploy/docker/make-base.sh (run by the tests on the host), the Makefile's recipes
and $(shell ...) calls, and shared/v2vm/run.sh when present (the v2 suite runs it); not the
scripts that run inside a guest or an image (tests/v2's guest side, the image's entrypoint),
whose programs come from busybox or the image. --packages replaces DEB_BUILD and DEB_TEST (for
the self-test). Prints one line per program: "ok PROGRAM PATH PACKAGE" or "MISSING ...",
then "# scanned: FILE ..." (relative to the tree) and a count.

Scripts are parsed with shfmt (--to-json), so only words in a command's position count, not
prose or the bodies of awk, jq or python programs. A command's position also follows the
wrappers that run their arguments as a command (timeout, env, run, exec, nsenter, unshare,
sudo-like helpers of the tests that end in "$@"...), and the scripts given to `sh -c`,
`bash -c`, `eval` and the tests' `wait_for CONDITION ...` (literal, or a variable assigned a
literal in the same file) are parsed in turn.
Shell builtins and keywords, and the functions defined in the scanned files and in bats and
its libraries, are not programs.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# scripts that run elsewhere than on the host that runs make check
GUEST = {
    "tests/v2/checks.sh": "the v2 guest (busybox)",
    "tests/v2/lib.sh": "the v2 guest (busybox)",
    "tests/v2/container.sh": "the v2 guest (busybox)",
    "deploy/docker/entrypoint.sh": "the container image",
}
EXTRA_HOST_SCRIPTS = ["deploy/docker/make-base.sh"]

# wrappers: programs and test helpers whose arguments hold a command. Value: (options that
# take a separate argument, positional arguments before the command). A helper of the tests
# whose body runs "$@" directly is found by itself (see direct_wrappers).
WRAPPERS = {
    "exec": ((), 0),
    "command": ((), 0),  # `command -v X` is handled apart: not a call
    "builtin": ((), 0),
    "run": ((), 0),  # bats
    "time": ((), 0),
    "timeout": (("-s", "--signal", "-k", "--kill-after"), 1),
    "env": (("-u", "--unset", "-C", "--chdir", "-S", "--split-string"), 0),
    "nice": (("-n", "--adjustment"), 0),
    "setsid": ((), 0),
    "nohup": ((), 0),
    "stdbuf": (("-i", "-o", "-e"), 0),
    "unshare": (("--propagation", "-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w",
                 "--wd", "--map-user", "--map-group", "--setgroups"), 0),
    "nsenter": (("-t", "--target", "-S", "--setuid", "-G", "--setgid", "-w", "--wd", "-r",
                 "--root"), 0),
    "strace": (("-o", "-e", "-p", "-s", "-u", "-E", "-P", "-a", "-b", "-I", "-O", "-S", "-X"), 0),
    "valgrind": ((), 0),
    "xargs": (("-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"), 0),
    # the tests' helpers that hand their arguments to another shell (found by hand)
    "in_cgroup": ((), 1),
    "in_container": ((), 1),
    "start_container": ((), 1),
    "container_exec": (("--cgroup",), 1),
    "undo": ((), 0),  # install.sh: a command run later by eval
}
# a command that runs its argument in another root: what follows is not the host's
STOP = {"chroot", "runc", "podman", "dpm", "runc_in", "docker", "isula"}
# commands and test helpers (found by hand) that evaluate one argument as a shell script:
# which one (0: the first after the name)
SCRIPT_ARG = {"eval": 0, "wait_for": 0}


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


_parsed = {}


def shfmt_json(text, where):
    if text not in _parsed:
        r = sh("shfmt", "--to-json", input=text)
        if r.returncode != 0:
            sys.exit("programs.py: shfmt cannot parse %s: %s" % (where, r.stderr.strip()))
        _parsed[text] = json.loads(r.stdout)
    return _parsed[text]


def word_lit(w):
    """The literal value of a word, or None when it has expansions."""
    out = ""
    for p in w.get("Parts", []):
        t = p.get("Type")
        if t == "Lit":
            out += p["Value"]
        elif t == "SglQuoted":
            out += p["Value"]
        elif t == "DblQuoted" and all(q.get("Type") == "Lit" for q in p.get("Parts", [])):
            out += "".join(q["Value"] for q in p.get("Parts", []))
        else:
            return None
    return out


def word_var(w):
    """NAME for a word that is exactly $NAME or "$NAME", else None."""
    parts = w.get("Parts", [])
    if len(parts) == 1 and parts[0].get("Type") == "DblQuoted":
        parts = parts[0].get("Parts", [])
    if len(parts) == 1 and parts[0].get("Type") == "ParamExp" and not parts[0].get("Exp") \
            and not parts[0].get("Index") and not parts[0].get("Length"):
        return parts[0]["Param"]["Value"]
    return None


def word_src(w, text):
    """A word's source text without its outer quotes (for a script given to sh -c); inside
    double quotes, the backslashes that quote $ ` " \\ and newlines go as the shell drops them."""
    s = text.encode()[w["Pos"]["Offset"]:w["End"]["Offset"]].decode()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        if s[0] == '"':
            s = re.sub(r'\\([$`"\\])|\\\n', lambda m: m.group(1) or "", s[1:-1])
        else:
            s = s[1:-1]
    return s


def walk(node, fn):
    if isinstance(node, dict):
        fn(node)
        for v in node.values():
            if isinstance(v, (dict, list)) and not (isinstance(v, dict) and "Offset" in v):
                walk(v, fn)
    elif isinstance(node, list):
        for v in node:
            walk(v, fn)


class Scan:
    def __init__(self):
        self.calls = {}  # program -> set of "file:line"
        # functions: those of a .bats or a script are its own; those of a helper (.bash, loaded
        # by the tests) and of bats are everyone's
        self.functions = {"*": set()}
        self.wrappers = dict(WRAPPERS)

    def add(self, name, line, where):
        self.calls.setdefault(name, {}).setdefault(where, set()).add(line)

    def script(self, text, where, line0=0):
        tree = shfmt_json(text, where)
        assigns = {}

        scope = "*" if where.endswith(".bash") else where

        def collect(n):
            if n.get("Type") == "FuncDecl":
                self.functions.setdefault(scope, set()).add(n["Name"]["Value"])
            if n.get("Type") == "CallExpr":
                for a in n.get("Assigns") or []:
                    if a.get("Value") and not n.get("Args"):
                        lit = word_lit(a["Value"])
                        if lit is not None:
                            assigns[a["Name"]["Value"]] = (a["Value"], lit)
        walk(tree, collect)

        def call(n):
            if n.get("Type") == "CallExpr" and n.get("Args"):
                self.command(n["Args"], text, where, line0, assigns)
        walk(tree, call)

    def command(self, args, text, where, line0, assigns, depth=0):
        i = 0
        while i < len(args):
            w = args[i]
            name = word_lit(w)
            line = "%s:%d" % (where, line0 + w["Pos"]["Line"])
            if name is None:
                var = word_var(w)
                if var and var in assigns and "/" in assigns[var][1]:
                    name = assigns[var][1]  # PY=/usr/bin/python3 ... "$PY"
                else:
                    return  # "$@", "$LXCFS": not a program name we can know
            if name == "command" and i + 1 < len(args) and word_lit(args[i + 1]) in ("-v", "-V"):
                return
            if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", name):
                return  # an assignment word after a wrapper (env X=y is skipped below)
            if name in ("!", "{", "}", "[[", "]]"):
                i += 1
                continue
            self.add(name, line, where)
            base = os.path.basename(name)
            if base in STOP:
                return
            if base in ("sh", "bash", "dash") and depth < 4:
                for j in range(i + 1, len(args)):
                    if word_lit(args[j]) == "-c" and j + 1 < len(args):
                        self.shell_string(args[j + 1], text, where, line0, assigns)
                        break
                return
            if base in SCRIPT_ARG and depth < 4:
                if i + 1 + SCRIPT_ARG[base] < len(args):
                    self.shell_string(args[i + 1 + SCRIPT_ARG[base]], text, where, line0, assigns)
                return
            if base == "find":
                for j in range(i + 1, len(args) - 1):
                    if word_lit(args[j]) in ("-exec", "-execdir", "-ok"):
                        self.command(args[j + 1:], text, where, line0, assigns, depth + 1)
                return
            if base not in self.wrappers:
                return
            with_arg, positional = self.wrappers[base]
            i += 1
            while i < len(args):
                a = word_lit(args[i])
                if a is None:
                    break
                if a == "--":
                    i += 1
                    break
                if a.startswith("-") and len(a) > 1:
                    i += 2 if a in with_arg else 1
                    continue
                if base == "env" and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", a):
                    i += 1
                    continue
                break
            i += positional
            depth += 1

    def shell_string(self, w, text, where, line0, assigns):
        var = word_var(w)
        if var:
            if var not in assigns:
                return
            w = assigns[var][0]
        if word_lit(w) is None and not any(p.get("Type") == "DblQuoted" for p in w["Parts"]):
            return
        src = word_src(w, text)
        self.script(src, where, line0 + w["Pos"]["Line"] - 1)

    def direct_wrappers(self, text, where):
        """Functions whose body runs "$@" as a command: their arguments are a command, after
        as many words as the body shifts away before it."""
        tree = shfmt_json(text, where)

        def fn(n):
            if n.get("Type") != "FuncDecl":
                return
            shifts = [0]
            found = [False]

            def body(m):
                if m.get("Type") != "CallExpr" or not m.get("Args"):
                    return
                first = word_lit(m["Args"][0])
                if first == "shift":
                    k = word_lit(m["Args"][1]) if len(m["Args"]) > 1 else "1"
                    shifts[0] += int(k) if k and k.isdigit() else 1
                args = m["Args"]
                # skip the wrappers we know (exec "$@", timeout 5 "$@")
                while args and word_lit(args[0]) in self.wrappers:
                    args = args[1:]
                    while args and (word_lit(args[0]) or "").startswith("-"):
                        args = args[1:]
                    if args and (word_lit(args[0]) or "x")[0].isdigit():
                        args = args[1:]
                if args and not word_lit(args[0]):
                    parts = args[0].get("Parts", [])
                    if len(parts) == 1 and parts[0].get("Type") == "DblQuoted":
                        parts = parts[0].get("Parts", [])
                    if len(parts) == 1 and parts[0].get("Type") == "ParamExp" and \
                            parts[0]["Param"]["Value"] == "@":
                        found[0] = True
            walk(n["Body"], body)
            name = n["Name"]["Value"]
            if found[0] and name not in self.wrappers:
                self.wrappers[name] = ((), shifts[0])
        walk(tree, fn)


def bats_text(text):
    # bats' test syntax is the only part shfmt does not know
    return re.sub(r'(?m)^@test .* \{\s*$', "bats_test() {", text)


def make_script(path):
    """The Makefile's recipes and $(shell ...) calls as one shell text, each at its line in
    the Makefile; make variables resolved where they are one word (CC ?= cc), else left as an
    expansion."""
    lines, cur, k = [], "", 0
    for raw in open(path).read().splitlines():
        k += 1
        if raw.endswith("\\"):
            cur += raw[:-1] + " "
            continue
        lines.append(cur + raw)
        lines += [""] * (k - 1)  # the continuation lines: keep the numbering
        cur, k = "", 0
    vars_ = {"MAKE": "make"}
    for line in lines:
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*[:?]?=\s*(\S+)\s*$", line)
        if m:
            vars_.setdefault(m.group(1), m.group(2))

    def subst(s):
        s = re.sub(r"\$\((\w+)\)", lambda m: vars_.get(m.group(1), "${MAKEVAR_%s}" % m.group(1)), s)
        s = re.sub(r"\$[@<^*?]", "${MAKEAUTO}", s)
        prev = None
        while prev != s:  # $(fn ...) from the innermost out
            prev, s = s, re.sub(r"\$\([^()]*\)", "${MAKEFN}", s)
        return s.replace("$$", "$")

    out = []
    for line in lines:
        cmds = [subst(m.group(1)) for m in
                re.finditer(r"\$\(shell ([^()]*(?:\([^()]*\)[^()]*)*)\)", line)]
        if line.startswith("\t"):
            cmds.append(subst(line[1:].lstrip("@-+")))
        out.append("; ".join(c for c in cmds if c.strip()))
    return "\n".join(out) + "\n"


def deb_lists(makefile):
    text = open(makefile).read().replace("\\\n", " ")
    pkgs = []
    for var in ("DEB_BUILD", "DEB_TEST"):
        m = re.search(r"(?m)^%s\s*:?=(.*)$" % var, text)
        if m:
            pkgs += m.group(1).split("#")[0].split()
    return pkgs


def installed_packages():
    """{package: (essential, priority, [dependency alternatives], [provides])}"""
    r = sh("dpkg-query", "-W", "-f",
           "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\t${Provides}\n")
    pkgs = {}
    for line in r.stdout.splitlines():
        st, name, ess, prio, deps, prov = line.split("\t")
        if not st.startswith("ii"):
            continue
        alts = []
        for d in deps.split(","):
            d = d.strip()
            if d:
                alts.append([re.sub(r"[\s(:].*", "", a.strip()) for a in d.split("|")])
        provides = [re.sub(r"[\s(:].*", "", p.strip()) for p in prov.split(",") if p.strip()]
        pkgs[name] = (ess == "yes", prio, alts, provides)
    return pkgs


def allowed_packages(roots, pkgs):
    """roots, the Essential/required packages, and everything they depend on (installed)."""
    providers = {}
    for name, (_, _, _, prov) in pkgs.items():
        for p in prov:
            providers.setdefault(p, []).append(name)
    todo = [p for p in roots if p in pkgs]
    todo += [n for n, (ess, prio, _, _) in pkgs.items() if ess or prio == "required"]
    seen = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alt in pkgs[p][2]:
            for a in alt:
                for q in ([a] if a in pkgs else []) + providers.get(a, []):
                    if q not in seen:
                        todo.append(q)
    return seen


def owners(paths):
    """{path: package} for the paths dpkg knows (with /usr-merge and symlink variants)."""
    cands = {}
    for p in paths:
        c = [p, os.path.realpath(p)]
        for x in list(c):
            for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/")):
                if x.startswith(a):
                    c.append(b + x[len(a):])
                elif x.startswith(b):
                    c.append(a + x[len(b):])
        cands[p] = c
    allc = sorted({x for c in cands.values() for x in c})
    r = sh("dpkg", "-S", *allc) if allc else None
    owner = {}
    for line in (r.stdout.splitlines() if r else []):
        m = re.match(r"^([^:]+(?::[a-z0-9]+)?(?:, [^:]+)*): (/.*)$", line)
        if m and not line.startswith("diversion"):
            owner[m.group(2)] = m.group(1).split(",")[0].split(":")[0].strip()
    return {p: next((owner[x] for x in c if x in owner), None) for p, c in cands.items()}


def main(argv):
    override = None
    files = []
    i = 1
    while i < len(argv):
        if argv[i] == "--packages":
            override = argv[i + 1].split()
            i += 2
        else:
            files.append(argv[i])
            i += 1
    scan = Scan()
    makefile = os.path.join(REPO, "Makefile")
    if not files:
        for d in ("tests", "installer"):
            for root, _, names in os.walk(os.path.join(REPO, d)):
                for n in names:
                    f = os.path.join(root, n)
                    rel = os.path.relpath(f, REPO)
                    if rel in GUEST or "/fixtures/" in f:
                        continue
                    if n.endswith((".sh", ".bash", ".bats", ".py")):
                        files.append(f)
                    elif os.access(f, os.X_OK) and "." not in n:
                        with open(f, "rb") as fh:
                            if re.match(rb"#!.*\b(ba)?sh\b", fh.readline()):
                                files.append(f)
        files += [os.path.join(REPO, f) for f in EXTRA_HOST_SCRIPTS]
        for v2vm in (os.path.join(REPO, "..", "shared", "v2vm", "run.sh"), "/work/shared/v2vm/run.sh"):
            if os.path.isfile(v2vm):
                files.append(os.path.realpath(v2vm))
                break
        files.append(makefile)
    texts = []
    for f in sorted(set(files)):
        rel = os.path.relpath(f, REPO)
        if os.path.basename(f) == "Makefile":
            texts.append((make_script(f), rel, 0))
        elif f.endswith(".py"):
            # python runs programs through subprocess (programs.py: through its sh())
            for n, line in enumerate(open(f), 1):
                for m in re.finditer(r"(?:\bsubprocess\.\w+\(\s*\[?|\bsh\()\s*[\"']([^\"'\s]+)[\"']", line):
                    scan.add(m.group(1), "%s:%d" % (rel, n), rel)
        else:
            t = open(f).read()
            texts.append((bats_text(t) if f.endswith(".bats") else t, rel, 0))
    # functions and wrappers first (a helper defined in one file is called in another)
    for t, where, _ in texts:
        scan.direct_wrappers(t, where)
    # what a test's shell has from bats (not its formatters, which run apart)
    for lib in glob.glob("/usr/lib/bats-core/*.bash") + glob.glob("/usr/libexec/bats-core/bats-exec-*") + \
            glob.glob("/usr/lib/bats/*/load.bash") + glob.glob("/usr/lib/bats/*/src/*.bash"):
        if lib.endswith("/formatter.bash"):
            continue
        for m in re.finditer(r"(?m)^\s*(?:function\s+)?([A-Za-z_][-A-Za-z0-9_]*)\s*\(\)",
                             open(lib, errors="replace").read()):
            scan.functions["*"].add(m.group(1))
    for t, where, line0 in texts:
        scan.script(t, where, line0)
    builtins = set(sh("bash", "-c", "compgen -b; compgen -k").stdout.split())

    progs = {}
    for name, byfile in sorted(scan.calls.items()):
        if name in builtins or name in scan.functions["*"] or name in ("[", "test"):
            continue
        wheres = {l for f, ls in byfile.items() if name not in scan.functions.get(f, ()) for l in ls}
        if not wheres:
            continue
        if not re.match(r"^[A-Za-z0-9_./+-]+$", name) or name.startswith("-"):
            continue
        if "/" in name and not name.startswith("/"):
            continue  # a path relative to the tree: the project's own script or binary
        if name.startswith("/"):
            path = name if os.path.exists(name) else None
            if name.startswith(("/tmp/", REPO)):
                continue
        else:
            path = shutil.which(name, path=PATH)
        progs[name] = (path, sorted(wheres))
    roots = override if override is not None else deb_lists(makefile)
    pkgs = installed_packages()
    allowed = allowed_packages(roots, pkgs)
    own = owners([p for p, _ in progs.values() if p])
    bad = 0
    for name, (path, wheres) in sorted(progs.items()):
        pkg = own.get(path) if path else None
        if not path:
            why = "not installed (called at %s)" % ", ".join(wheres[:3])
        elif not pkg:
            why = "%s belongs to no Debian package (called at %s)" % (path, ", ".join(wheres[:3]))
        elif pkg not in allowed:
            why = "%s is from %s, which make deps does not install and Debian does not require " \
                  "(called at %s)" % (path, pkg, ", ".join(wheres[:3]))
        else:
            print("ok %s %s %s" % (name, path, pkg))
            continue
        bad += 1
        print("MISSING %s: %s" % (name, why))
    print("# scanned: %s" % " ".join(sorted(os.path.relpath(f, REPO) for f in set(files))))
    print("# %d programs, %d not from a package make deps installs; scanned %d files" %
          (len(progs), bad, len(set(files))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
