#!/usr/bin/env bats
# The man pages (deploy/man/*.scd, built into build/man by make) against the programs: every
# option a program's --help lists is documented in its page and every option the page
# documents is in --help (lxcfs, lxcfs-toolkit's global options, each of its commands, found
# from --help), and each of them is accepted by the program's parser; every key of the example
# config is in lxcfs.conf(5) and the other way round, and each key is one its program knows.
# Nothing is hard-coded: an option or command added later must be added to its page. The
# check is also shown to fail on a page with an option removed and on a --help with one added.

load helpers

MAN=$REPO/build/man
HM=$E2E_DIR/helpers-man.py
TK=${LXCFS_TOOLKIT:-$REPO/build/lxcfs-toolkit}

setup_file() {
	make -s -C "$REPO" man >"$BATS_FILE_TMPDIR/make-man.log" 2>&1 || {
		sed 's/^/# /' "$BATS_FILE_TMPDIR/make-man.log" >&3
		return 1
	}
}

# no daemon, cgroup or root needed
setup() {
	export LXCFS_TOOLKIT_CONFIG=/dev/null
	[ -f "$MAN/man1/lxcfs.1" ] || {
		fail "$MAN/man1/lxcfs.1 missing (make man)"
		return 1
	}
}
teardown() { :; }

# same_set WHAT NAME_A FILE_A NAME_B FILE_B: the two sorted lists are equal; otherwise fails
# saying what only one of them has
same_set() {
	local what=$1 na=$2 a=$3 nb=$4 b=$5 only only2
	only=$(comm -23 "$a" "$b" | paste -sd ' ')
	only2=$(comm -13 "$a" "$b" | paste -sd ' ')
	[ -z "$only" ] && [ -z "$only2" ] && return 0
	fail "$what:${only:+ in $na, not in $nb: $only;}${only2:+ in $nb, not in $na: $only2}"
}

# help_of PROG [COMMAND]: the --help text (exit 0 and the same text for -h)
help_of() {
	local out short
	out=$("$@" --help) || { fail "$* --help exits $?"; return 1; }
	short=$("$@" -h) || { fail "$* -h exits $?"; return 1; }
	[ "$out" = "$short" ] || { fail "$* -h differs from --help"; return 1; }
	printf '%s\n' "$out"
}

# check_options WHAT HELP_FILE PAGE SECTION [SUBSECTION]
check_options() {
	local what=$1 help=$2 page=$3 d=$BATS_TEST_TMPDIR/opts.$RANDOM
	shift 3
	"$HM" help-options <"$help" >"$d.help"
	"$HM" page-options "$page" "$@" >"$d.page"
	log "$what: $(tr '\n' ' ' <"$d.help")"
	same_set "$what options" "--help" "$d.help" "$(basename "$page") ($*)" "$d.page"
}

# check_accepted HELP_FILE PROG [COMMAND]: each option of the help, given (with a value when
# it takes one) before --help, is parsed: the program exits 0 (having printed its help, or its
# version for --version) where an unknown option is a usage error (exit 2). Every option
# parser here stops at --help before it acts, so nothing is started.
check_accepted() {
	local help=$1 opt arg v ok bad=""
	shift
	while read -r opt arg; do
		ok=0
		if [ -z "$arg" ]; then
			timeout 10 "$@" "$opt" --help </dev/null >/dev/null 2>&1 && ok=1
		else
			# a number, a descriptor (3, opened here), a path and an executable: one of
			# them is a good value for any option here
			for v in 1 3 /nonexistent-lxcfs-e2e /bin/true; do
				timeout 10 "$@" "$opt" "$v" --help </dev/null >/dev/null 2>&1 3</dev/null &&
					ok=1 && break
			done
		fi
		[ $ok -eq 1 ] || bad+=" $opt"
	done < <("$HM" help-args <"$help")
	[ -z "$bad" ] || fail "$* does not accept:$bad"
}

@test "man: the pages build and render without warnings" {
	local p out
	for p in "$MAN"/man1/lxcfs.1 "$MAN"/man1/lxcfs-toolkit.1 "$MAN"/man5/lxcfs.conf.5; do
		assert [ -s "$p" ] || return 1  # $p was built
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
		assert_equal "$out" "" || return 1  # man --warnings $p says nothing
	done
	# each page's header names it
	grep -q '^\.TH "lxcfs" "1"' "$MAN/man1/lxcfs.1"
	grep -q '^\.TH "lxcfs-toolkit" "1"' "$MAN/man1/lxcfs-toolkit.1"
	grep -q '^\.TH "lxcfs.conf" "5"' "$MAN/man5/lxcfs.conf.5"
}

@test "man: lxcfs(1) documents exactly the options of lxcfs --help, and lxcfs accepts each" {
	help_of "$LXCFS" >"$BATS_TEST_TMPDIR/help"
	check_options lxcfs "$BATS_TEST_TMPDIR/help" "$MAN/man1/lxcfs.1" OPTIONS
	check_accepted "$BATS_TEST_TMPDIR/help" "$LXCFS"
}

@test "man: lxcfs-toolkit(1) documents exactly its global options and its commands, and it accepts each option" {
	help_of "$TK" >"$BATS_TEST_TMPDIR/help"
	check_options lxcfs-toolkit "$BATS_TEST_TMPDIR/help" "$MAN/man1/lxcfs-toolkit.1" OPTIONS
	check_accepted "$BATS_TEST_TMPDIR/help" "$TK"
	"$HM" help-commands <"$BATS_TEST_TMPDIR/help" >"$BATS_TEST_TMPDIR/cmds.help"
	"$HM" page-subsections "$MAN/man1/lxcfs-toolkit.1" COMMANDS >"$BATS_TEST_TMPDIR/cmds.page"
	assert [ -s "$BATS_TEST_TMPDIR/cmds.help" ] || return 1  # --help lists commands
	same_set "lxcfs-toolkit commands" "--help" "$BATS_TEST_TMPDIR/cmds.help" \
		"lxcfs-toolkit.1 COMMANDS" "$BATS_TEST_TMPDIR/cmds.page"
}

@test "man: lxcfs-toolkit(1) documents exactly the options of each command's --help, and each command accepts them" {
	local c bad=0
	while read -r c; do
		help_of "$TK" "$c" >"$BATS_TEST_TMPDIR/help.$c" || { bad=1; continue; }
		check_options "lxcfs-toolkit $c" "$BATS_TEST_TMPDIR/help.$c" "$MAN/man1/lxcfs-toolkit.1" \
			COMMANDS "$c" || bad=1
		check_accepted "$BATS_TEST_TMPDIR/help.$c" "$TK" "$c" || bad=1
	done < <(help_of "$TK" | "$HM" help-commands)
	assert_equal "$bad" 0  # every command's options (said above when not)
}

@test "man: lxcfs.conf(5) documents exactly the keys of each section of lxcfs.conf.example, and its program knows each" {
	local s k f=$BATS_TEST_TMPDIR/one.conf bad=0 out
	for s in lxcfs toolkit; do
		"$HM" example-keys "$REPO/deploy/lxcfs.conf.example" "$s" >"$BATS_TEST_TMPDIR/keys.example"
		"$HM" page-keys "$MAN/man5/lxcfs.conf.5" "SECTION [$s]" >"$BATS_TEST_TMPDIR/keys.page"
		log "[$s]: $(tr '\n' ' ' <"$BATS_TEST_TMPDIR/keys.page")"
		assert [ -s "$BATS_TEST_TMPDIR/keys.page" ] || return 1  # lxcfs.conf(5) has a SECTION [$s]
		same_set "[$s] keys" "lxcfs.conf.example" "$BATS_TEST_TMPDIR/keys.example" \
			"lxcfs.conf.5" "$BATS_TEST_TMPDIR/keys.page" || bad=1
		# "x" is a bad value for every key (not a path, boolean or number): the program must
		# complain about the value, not the key, and so stops before it does anything
		while read -r k; do
			printf '[%s]\n%s = x\n' "$s" "$k" >"$f"
			if [ $s = lxcfs ]; then
				out=$(timeout 10 "$LXCFS" -f -c "$f" /nonexistent-lxcfs-e2e 2>&1) || true
			else
				out=$(timeout 10 "$TK" -c "$f" status --help 2>&1) || true
			fi
			[[ "$out" != *"unknown key"* ]] || { log "[$s] $k is a key its program does not know: $out"; bad=1; }
		done <"$BATS_TEST_TMPDIR/keys.page"
	done
	# and an unknown key is said so (the check above can fail)
	printf '[toolkit]\nno_such_key = x\n' >"$f"
	[[ "$(timeout 10 "$TK" -c "$f" status --help 2>&1)" == *"unknown key"* ]]
	printf '[lxcfs]\nno_such_key = x\n' >"$f"
	[[ "$(timeout 10 "$LXCFS" -f -c "$f" /nonexistent-lxcfs-e2e 2>&1)" == *"unknown key"* ]]
	assert_equal "$bad" 0  # every key in its page and known (said above when not)
}

@test "man: the check fails on a page missing an option, a --help with an option the page lacks, and an option the parser rejects" {
	local page=$BATS_TEST_TMPDIR/lxcfs.1 help=$BATS_TEST_TMPDIR/help
	help_of "$LXCFS" >"$help"
	# the page without --enable-cfs's entry
	grep -v '^\\fB--enable-cfs\\fR$' "$MAN/man1/lxcfs.1" >"$page"
	refute cmp -s "$page" "$MAN/man1/lxcfs.1"  # there was an --enable-cfs entry to remove
	run check_options lxcfs "$help" "$page" OPTIONS
	assert_failure  # a page missing --enable-cfs fails
	[[ "$output" == *"in --help, not in lxcfs.1 (OPTIONS): --enable-cfs"* ]]
	# a --help that lists an option the page does not document (and the parser rejects)
	sed 's/^\(  -h, --help \)/      --no-such-option    what a later option could be\n\1/' \
		"$help" >"$help.more"
	run check_options lxcfs "$help.more" "$MAN/man1/lxcfs.1" OPTIONS
	assert_failure  # an undocumented option fails
	[[ "$output" == *"in --help, not in lxcfs.1 (OPTIONS): --no-such-option"* ]]
	# a toolkit command's section missing an option
	help_of "$TK" watchdog >"$help.wd"
	grep -v '^\\fB--no-prestart\\fR$' "$MAN/man1/lxcfs-toolkit.1" >"$page"
	run check_options watchdog "$help.wd" "$page" COMMANDS watchdog
	assert_failure  # a command's section missing --no-prestart fails
	# an option --help lists but the parser does not take: a stand-in program that takes
	# every other option
	cat >"$BATS_TEST_TMPDIR/fake" <<EOF
#!/bin/sh
for a; do [ "\$a" = --no-such-option ] && exit 2; done
exit 0
EOF
	chmod +x "$BATS_TEST_TMPDIR/fake"
	run check_accepted "$help.more" "$BATS_TEST_TMPDIR/fake"
	assert_failure  # an option the parser rejects fails
	[[ "$output" == *"does not accept: --no-such-option" ]]
}
