#!/usr/bin/env bats
# Containers never see each other's bytes, whatever way they read: each container's files
# are inodes of its own (the kernel caches pages per inode), looked up from inside its pid
# namespace. Raced through read, sendfile, splice and mmap at once.

load helpers

PY=/usr/bin/python3

# the reader every container runs: N rounds over meminfo and cpuinfo, each round with one of
# the four ways of reading; prints "wrong=W of=N" and the first wrong text
READER='
import mmap, os, re, sys
want_kb, want_cpus, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def via_read(p):
    fd = os.open(p, os.O_RDONLY)
    try:
        out = b""
        while True:
            b = os.read(fd, 65536)
            if not b:
                return out
            out += b
    finally:
        os.close(fd)
def via_pipe(p, splice):
    fd = os.open(p, os.O_RDONLY)
    r, w = os.pipe()
    out = b""
    try:
        while True:
            k = os.splice(fd, w, 65536) if splice else os.sendfile(w, fd, None, 65536)
            if k <= 0:
                return out
            out += os.read(r, k)
    finally:
        for x in (fd, r, w):
            os.close(x)
def via_mmap(p):
    fd = os.open(p, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return b""
        with mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ) as m:
            return m[:].rstrip(b"\0")
    finally:
        os.close(fd)
ways = [via_read, lambda p: via_pipe(p, False), lambda p: via_pipe(p, True), via_mmap]
wrong, first = 0, ""
for i in range(n):
    way = ways[i % 4]
    mem = way("/proc/meminfo").decode()
    m = re.search(r"^MemTotal:\s+(\d+) kB$", mem, re.M)
    cpus = way("/proc/cpuinfo").decode().count("processor\t:")
    if not m or int(m.group(1)) != want_kb or cpus != want_cpus:
        wrong += 1
        first = first or ("round %d: MemTotal %s, %d CPUs" % (i, m.group(1) if m else "-", cpus))
print("wrong=%d of=%d %s" % (wrong, n, first))
'

@test "containers racing through read, sendfile, splice and mmap never see another's values" {
	local ncpu rounds=400 a b
	ncpu=$(grep -c '^processor' /proc/cpuinfo)
	[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs for distinct cpusets"
	start_daemon
	make_cgroup a
	make_cgroup b
	cg_set a memory.limit_in_bytes 256M
	cg_set a cpuset.cpus 0
	cg_set b memory.limit_in_bytes 384M
	cg_set b cpuset.cpus 0-1
	a=$BATS_TEST_TMPDIR/a.out
	b=$BATS_TEST_TMPDIR/b.out
	in_container a "$PY" -c "$READER" 262144 1 "$rounds" >"$a" 2>&1 &
	in_container b "$PY" -c "$READER" 393216 2 "$rounds" >"$b" 2>&1 &
	in_container a "$PY" -c "$READER" 262144 1 "$rounds" >"$a.2" 2>&1 &
	wait
	log "a: $(cat "$a") / $(cat "$a.2")"
	log "b: $(cat "$b")"
	assert_equal "$(cut -d' ' -f1 "$a")" "wrong=0"
	assert_equal "$(cut -d' ' -f1 "$a.2")" "wrong=0"
	assert_equal "$(cut -d' ' -f1 "$b")" "wrong=0"
	assert_equal "$(cut -d' ' -f2 "$a")" "of=$rounds"
}

@test "each container reads inodes of its own; the host reads the shared ones" {
	start_daemon
	make_cgroup a
	make_cgroup b
	local host one two c1
	start_container a sleep 60
	c1=$CONTAINER_PID
	start_container b sleep 60
	host=$(stat -c %i "$LXCFS_MNT/proc/meminfo")
	one=$(container_exec "$c1" stat -c %i /proc/meminfo)
	two=$(container_exec "$CONTAINER_PID" stat -c %i /proc/meminfo)
	log "host $host, container a $one, container b $two"
	# each container has its own inode, and the two do not share one
	assert [ -n "$one" ]
	assert [ "$one" != "$host" ]
	assert [ "$two" != "$host" ]
	assert [ "$one" != "$two" ]
}

@test "a reader holding a file open sees it change when it reads it again (top, vmstat)" {
	start_daemon
	make_cgroup a
	cg_set a memory.limit_in_bytes 256M
	# procps keeps /proc/meminfo open and reads it again from offset 0 at each refresh
	start_container a "$PY" -c '
import os, sys, time
fd = os.open("/proc/meminfo", os.O_RDONLY)
first = os.pread(fd, 65536, 0).split(b"\n")[0]
open(sys.argv[1], "w").write("ready\n")
deadline = time.time() + 20
while time.time() < deadline:
    line = os.pread(fd, 65536, 0).split(b"\n")[0]
    if line != first:
        open(sys.argv[1], "a").write(line.decode() + "\n")
        break
    time.sleep(0.02)
time.sleep(30)' "$BATS_TEST_TMPDIR/seen"
	wait_for 'grep -q ready "$BATS_TEST_TMPDIR/seen"' 10 "the reader opened meminfo"
	cg_set a memory.limit_in_bytes 128M
	wait_for 'grep -qE "MemTotal: +131072 kB" "$BATS_TEST_TMPDIR/seen"' 10 \
		"the open file shows the new limit"
}
