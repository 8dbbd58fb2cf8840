#!/usr/bin/env bats
# The binary exists and answers -h / -v without mounting anything.

load helpers

@test "make built build/lxcfs, linked with libfuse3" {
	assert [ -x "$LXCFS" ]  # $LXCFS exists and is executable (run make)
	run ldd "$LXCFS"
	assert_success
	assert_output --partial libfuse3.so
}

@test "-v and --version print the version and exit 0" {
	run_lxcfs 0 -v
	assert_output --regexp '[0-9]+\.[0-9]+\.[0-9]+'
	local short=$output
	run_lxcfs 0 --version
	assert_equal "$output" "$short"
}

@test "-h and --help print usage with every option and exit 0" {
	run_lxcfs 0 --help
	local opt
	for opt in --foreground --debug --enable-loadavg --disable-swap --pidfile --enable-cfs \
		--config --log --cgroup-root --help --version -o; do
		assert_output --partial -- "$opt"
	done
	local long=$output
	run_lxcfs 0 -h
	assert_equal "$output" "$long"
}
