; bench/cr0-wp-toggle.asm - kvmlab bench case "cr0-wp-toggle": toggle CR0.WP: clear it, then set it again.
;
; kvmlab should observe: no exit to kvmlab; two CR0 writes per op (kvm-unit-tests x86/vmexit "toggle_cr0_wp"):\n; with shadow paging KVM must see WP, with EPT/NPT the guest may own it.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr0-wp-toggle", 1024, "bench: toggle CR0.WP: clear it, then set it again"

%macro BENCH_INIT 0
        mov rsi, cr0
        mov rdi, rsi
        and rdi, ~CR0_WP
%endmacro
%macro BENCH_OP 0
        mov cr0, rdi
        mov cr0, rsi
%endmacro

start:
        BENCH_MAIN
