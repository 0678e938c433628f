#!/bin/sh
# demo.sh - the guided tour behind `make demo`.
#
# Shows, in order: what kind of KVM this host has, then one payload in each
# CPU mode with everything kvmlab saw (console, exits by reason, how it ended,
# time), then what a guest that never finishes looks like; then the
# instrument: a short bench of the exits that matter (where each is handled,
# what it costs, and whether this host emulates guest code), an iobench
# summary of the I/O paths, and where the full commands and labs are.
# About 2 s on the development machine (1 s of it is the watchdog step).
set -u
BUILD=${1:-build}
K="$BUILD/kvmlab"

if [ -t 1 ]; then B='\033[1m'; N='\033[0m'; else B=''; N=''; fi
step() {
	printf "\n${B}==> %s${N}\n" "$1"
	printf '    $ %s\n\n' "$2"
}

step "What is this host? (backend, paging, whether guest code is emulated)" "$K info"
"$K" info || exit $?

for m in real prot long; do
	case $m in
	real) what="16-bit real mode: the state every x86 CPU (and every new vCPU) starts in" ;;
	prot) what="32-bit protected mode: flat segments from a GDT kvmlab built" ;;
	long) what="64-bit long mode: kvmlab's identity-mapped page tables, EFER.LME+LMA" ;;
	esac
	step "hello-$m: $what" "$K run hello-$m"
	"$K" run "hello-$m" || exit $?
done

step "Reports: the guest hands kvmlab named values through port 0xF0" "$K run report"
"$K" run report || exit $?

step "A guest that never finishes: the watchdog stops it (exit code 4 is expected)" \
     "$K run loop-forever --timeout 1"
"$K" run loop-forever --timeout 1
rc=$?
[ "$rc" -eq 4 ] || { echo "demo: expected exit code 4 from the watchdog, got $rc" >&2; exit 1; }

step "The instrument: what an exit costs and where it is handled (a short kvmlab bench)" \
     "$K bench --filter cpuid,pio-out,pio-kernel,mmio-write,hlt,touch-first --iters 100 --repeat 5"
printf '    cpuid; port I/O to kvmlab (pio-out) and to an ioeventfd in the kernel (pio-kernel);\n'
printf '    MMIO to kvmlab; hlt; the first store to a fresh page. "where" is derived from counters;\n'
printf '    if the header says EMULATED, every figure is KVM'"'"'s instruction emulator, not hardware.\n\n'
"$K" bench --filter cpuid,pio-out,pio-kernel,mmio-write,hlt,touch-first --iters 100 --repeat 5 || exit $?

step "The same bytes out of the guest through each I/O path (kvmlab iobench, summary)" \
     "$K iobench --total 4K --repeat 1"
"$K" iobench --total 4K --repeat 1 || exit $?

printf '\nThe full instrument:\n'
printf '  %s bench                 every case (kvm-unit-tests vmexit parity), --json/--csv\n' "$K"
printf '  %s iobench               every I/O path at full size, median of runs\n' "$K"
printf '  make bench-overhead, make bench-lifecycle   kvmlab against a raw KVM_RUN loop\n'
printf '  docs/measurement.md     what is timed, subtracted and derived, and what each part costs\n'
printf 'The labs: labs/README.md (the course); labs/price-of-an-exit.md and\n'
printf 'labs/three-ways-io.md go through these numbers. kvmlab list: the payload catalogue;\n'
printf 'docs/guest-abi.md: write your own payload.\n'
