#!/bin/sh
# demo.sh - the guided tour behind `make demo`.
#
# Shows, in order: what kind of KVM this host has, then one payload in each
# CPU mode with everything kvmlab saw (console, exits by reason, how it ended,
# time), then what a guest that never finishes looks like.
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

printf '\nNext: kvmlab list (the payload catalogue), labs/README.md (the course),\n'
printf 'docs/guest-abi.md (write your own payload).\n'
