#!/usr/bin/env python3
"""What a program's --help and its man page say, in sets, for tests/e2e/405-man-pages.bats.

  helpers-man.py help-options              < HELP   options of a --help text
  helpers-man.py help-args                 < HELP   "OPTION ARG" for options taking an argument
  helpers-man.py help-commands             < HELP   the commands listed under "Commands:"
  helpers-man.py page-options PAGE SECTION [SUBSECTION]
                                                    options a built page documents there
  helpers-man.py page-subsections PAGE SECTION      the .SS names in a section
  helpers-man.py page-keys PAGE SECTION             configuration keys documented there
  helpers-man.py example-keys FILE SECTION          keys (set or commented out) of an INI file

A --help text lists an option either at the start of an indented line ("  -c, --config FILE
...") or in a "Usage:" line and its continuation lines ("[--wait SECONDS]"); options that
prose merely mentions (for example "umount --all" in a description) are not the program's.
A page (roff as scdoc makes it) documents an option as a term: a line that starts with a
bold option and is followed by the indented description (.RS), inside the given .SH section
and, when asked, the given .SS subsection. Each result goes to stdout one per line, sorted.
"""
import re
import sys

OPT = r"(?:--[A-Za-z0-9][-A-Za-z0-9]*|-[A-Za-z0-9?])"
# an option at the start of an indented help line, with its aliases: "  -c, --config FILE"
HELP_LINE = re.compile(r"^\s+(" + OPT + r"(?:,\s*" + OPT + r")*)(?:[ =](\S+))?")
# an option anywhere in a usage line, not inside a word or a path ("lxcfs-toolkit")
USAGE_OPT = re.compile(r"(?<![\w/.-])(" + OPT + r")(?:[ =]([A-Z][A-Z_|]*|[a-z]+(?:\|[A-Za-z]+)+))?")


def help_entries(text):
    """[(option, argument or None)] of a --help text."""
    out = []
    in_usage = False
    for line in text.splitlines():
        if line.startswith("Usage:"):
            in_usage = True
        elif not (in_usage and re.match(r"^\s+\[", line)):
            in_usage = False
        if in_usage:
            # a quoted example ("lxcfs -f ...") holds another program's options
            line = re.sub(r'"[^"]*"', '""', line)
            for m in USAGE_OPT.finditer(line.split(":", 1)[1] if line.startswith("Usage:") else line):
                out.append((m.group(1), m.group(2)))
            continue
        m = HELP_LINE.match(line)
        if m:
            arg = m.group(2)
            if arg and not re.match(r"^[A-Z][A-Z_]*$", arg):
                arg = None  # the description, not an argument name
            for o in re.split(r",\s*", m.group(1)):
                out.append((o, arg))
    return out


def help_commands(text):
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r"^Commands:\s*$", line):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s+([a-z][-a-z0-9]*)\s", line)
            if not m:
                break
            out.append(m.group(1))
    return out


def roff_text(s):
    """A roff line as text: fonts and escapes removed."""
    s = re.sub(r"\\f[BIRP]", "", s)
    s = s.replace("\\&", "").replace("\\-", "-").replace("\\(aq", "'").replace("\\*(Aq", "'")
    return s


def page_terms(path, section, subsection=None):
    """The term lines of a section (and subsection) of a built page."""
    lines = open(path, encoding="utf-8").read().splitlines()
    terms, sh, ss = [], None, None
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            sh, ss = roff_text(line[4:]).strip('"'), None
            continue
        if line.startswith(".SS "):
            ss = roff_text(line[4:]).strip('"')
            continue
        if sh != section or (subsection is not None and ss != subsection):
            continue
        if line.startswith(".") or i + 1 >= len(lines) or not lines[i + 1].startswith(".RS"):
            continue
        terms.append(line)
    return terms


def page_options(path, section, subsection=None):
    out = []
    for t in page_terms(path, section, subsection):
        if not t.startswith("\\fB-"):
            continue
        out += [o for o in re.findall(r"\\fB(" + OPT + r")\\fR", t)]
    return out


def page_subsections(path, section):
    out, sh = [], None
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith(".SH "):
            sh = roff_text(line[4:]).strip('"')
        elif line.startswith(".SS ") and sh == section:
            out.append(roff_text(line[4:]).strip('"'))
    return out


def page_keys(path, section):
    out = []
    for t in page_terms(path, section):
        m = re.match(r"^\\fB([a-z][a-z0-9_]*)\\fR = ", t)
        if m:
            out.append(m.group(1))
    return out


def example_keys(path, section):
    out, cur = [], None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\[([^]]+)\]", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"^#?([a-z][a-z0-9_]*) = ", line)
        if m and cur == section:
            out.append(m.group(1))
    return out


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "help-options":
        res = [o for o, _ in help_entries(sys.stdin.read())]
    elif cmd == "help-args":
        args = {}
        for o, a in help_entries(sys.stdin.read()):
            args[o] = args.get(o) or a
        res = ["%s %s" % (o, a) if a else o for o, a in args.items()]
    elif cmd == "help-commands":
        res = help_commands(sys.stdin.read())
    elif cmd == "page-options":
        res = page_options(*args)
    elif cmd == "page-subsections":
        res = page_subsections(*args)
    elif cmd == "page-keys":
        res = page_keys(*args)
    elif cmd == "example-keys":
        res = example_keys(*args)
    else:
        sys.exit("unknown command " + cmd)
    for r in sorted(set(res)):
        print(r)


if __name__ == "__main__":
    main(sys.argv)
