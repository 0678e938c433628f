#!/bin/sh
# deps.sh - install the Debian packages kvmlab needs, if any are missing.
#
# As root it runs apt-get itself (non-interactively, as CI needs); otherwise
# it prints the exact command to run.  The list is the whole dependency set:
#   build-essential  gcc, make
#   nasm             assembles the guest payloads
#   libcapstone-dev  disassembly of guest instructions
#   python3-pytest   the test driver (Debian's, not PyPI's)
#   python3-pytest-xdist  make check / make test run pytest on both cores (-n 2 --dist loadfile)
#   lcov             make coverage
#   linux-libc-dev   <linux/kvm.h>
#   strace           labs/hello-kvm.md traces the ioctls of a run
#   pandoc           make site: the course as HTML (build/site)
#   procps           ps -L: labs/vcpu-threads.md shows the vCPU threads (taskset is in util-linux, always there)
#   gnuplot-nox      scripts/plot-bench, scripts/plot-iobench: the bench charts (kvmlab itself does not need it)
#   libseccomp-dev   run --sandbox: the vCPU thread's seccomp allowlist
#   clang libclang-rt-14-dev  make fuzz (libFuzzer) and make asan
#   libtracefs-dev libtraceevent-dev  run --ktrace: KVM's tracepoints in a private tracefs instance
#   graphviz         dot: the course's figures (labs/figures/*.dot) for make site
#   chromium         tests/test_site.py loads the course site in headless Chromium (skips without it)
#   fonts-noto-cjk   the Chinese labs' figures and pages render with CJK glyphs
#   qemu-system-common  /usr/bin/qemu-storage-daemon (Debian 12 ships it here, `dpkg -S`): the third-party
#                    vhost-user-blk back-end of tests/test_io_vhost.py and labs/vhost.md
#   qemu-utils       qemu-img: create, check, map and convert the raw and qcow2 images of those tests
#   iproute2 iputils-ping  tests/test_net.py, labs/network.md: ip and ping inside run --net's namespace
set -eu

PKGS="build-essential nasm libcapstone-dev python3-pytest python3-pytest-xdist lcov linux-libc-dev strace pandoc procps gnuplot-nox libseccomp-dev clang libclang-rt-14-dev libtracefs-dev libtraceevent-dev graphviz chromium fonts-noto-cjk qemu-system-common qemu-utils iproute2 iputils-ping"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "kvmlab: missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "kvmlab: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends $missing </dev/null
