; smp-counter.asm - several vCPUs add to one counter in guest memory.
;
; Demonstrates: vCPUs are threads sharing the guest's RAM.  Run with
; `kvmlab run cpu/smp-counter --vcpus N`.  Every vCPU enters at `start` with
; RDI = its index and RSI = the highest index (docs/guest-abi.md); each does
; ITERATIONS `lock inc` on the shared counter, reports "vcpu index" (under a
; spinlock: the record is shared, see payloads/lib/smp.inc), then
; `lock xadd`s 1 into `arrived`.  vCPU 0 waits until all N have arrived and
; checks counter == ITERATIONS * N: a PASS report "counter" with the total,
; or a FAIL report (the run ends as a guest failure).  Every vCPU then halts.
; kvmlab should observe: one thread per vCPU, each ending with HLT; vCPU i
; sends VALUE "vcpu index" = i; vCPU 0 sends PASS "counter" = 200 * N.
; Guest instructions are emulated on PVM (~1,700 cycles each): keep N small.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-counter", 128, "vCPUs increment a shared counter with lock inc; vCPU 0 checks the total"

%define ITERATIONS 200

start:
        mov     ecx, ITERATIONS
.add:   lock inc qword [rel counter]            ; atomic read-modify-write on shared RAM
        dec     ecx
        jnz     .add
        SPIN_LOCK report_lock                   ; the report record is shared code: one vCPU at a time
        REPORT_VALUE "vcpu index", rdi
        SPIN_UNLOCK report_lock
        mov     eax, 1
        lock xadd [rel arrived], eax            ; EAX = how many arrived before this vCPU
        test    edi, edi
        jnz     .done                           ; vCPUs 1..N-1: finished

        lea     rdx, [rsi + 1]                  ; vCPU 0: N = highest index + 1
.wait:  cmp     [rel arrived], edx
        jne     .wait
        imul    rax, rdx, ITERATIONS            ; expected total
        mov     rcx, [rel counter]
        cmp     rcx, rax
        jne     .bad
        REPORT_PASS "counter", rcx
.done:  hlt
.bad:   REPORT_FAIL "counter", rcx

        align   8
counter: dq     0
arrived: dd     0
report_lock: dd 0
