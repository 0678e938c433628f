; probe.asm - one instruction of the sensitive-instruction catalogue, at CPL 0 or 3.
;
; Demonstrates: what one privileged, sensitive or always-intercepted
; instruction does inside a VM.  `kvmlab sensitive` runs this payload once
; per probe, each in a fresh VM, with the probe number in RBX (--arg N); one
; probe by hand: `kvmlab run cpu/probe --arg N`.  The rows below are in the
; same order as vmm/measure/sensitive.c; the payload reports the row's name so
; kvmlab can check that the two agree.
;
; Per run the payload: installs an IDT (idt.inc) and ring-3 support
; (ring3.inc), then at the row's CPL under IDT_TRY times an empty window
; (probe.baseline) and runs the probe body, and reports:
;   MSG   <name>                  the row, e.g. "sgdt"
;   VALUE probe.id, probe.cpl     what ran
;   exc.* (idt.inc)               if the instruction faulted
;   VALUE probe.fault             vector, or IDT_VEC_NONE (0xFFFF)
;   VALUE probe.baseline          guest TSC over the empty window, min of 3,
;                                 timed at the row's CPL just before the body
;   VALUE probe.cycles            guest TSC over the window with the
;                                 instruction (to handler entry if it faulted)
;   VALUE probe.value             what the guest observed (per row)
; then exits through port 0xF4 with status 0.  The instruction's own exits
; (IO, HLT, ...) are whatever else kvmlab sees; a probe that kills the VM
; (internal error, shutdown, hang) ends the run there.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "probe", 512, "sensitive-instruction probe: --arg N runs row N of kvmlab sensitive"

PROBE_PORT      equ     PORT_CONSOLE    ; a port kvmlab answers: IN reads 0xE9, OUT adds a byte to the console
MSR_EFER_       equ     0xC0000080
MSR_KERNEL_GS   equ     0xC0000102      ; harmless to write 0
CR0_AT_ENTRY    equ     0x80010033      ; PG WP NE ET MP PE: kvmlab's long-mode CR0
CR4_AT_ENTRY    equ     0x620           ; OSXMMEXCPT OSFXSR PAE: kvmlab's long-mode CR4
CR4_OSXSAVE     equ     (1 << 18)       ; SDM Vol. 3A 2.5: enables XSETBV/XGETBV
CPUID_1_ECX_XSAVE equ   26
RFLAGS_IF       equ     (1 << 9)
HC_UNKNOWN      equ     0xFFFF          ; not a KVM hypercall number: KVM answers -KVM_ENOSYS
VEC_INT_PROBE   equ     0x80            ; int 0x80: a vector whose gate is empty
PREP_OSXSAVE    equ     1               ; row flag: set CR4.OSXSAVE in ring 0 first
PREP_UMIP       equ     2               ; row flag: set CR4.UMIP in ring 0 first
CR4_UMIP        equ     (1 << 11)       ; SDM Vol. 3A 2.5: SGDT/SIDT/SLDT/SMSW/STR #GP at CPL>0
CPUID_7_ECX_UMIP equ    2

ROW_SIZE        equ     64

; Timing window (SDM Vol. 2B, RDTSC).  Neither macro changes RFLAGS or any
; register but R8, R9, R11, R12/R13: instructions in between keep RAX/RDX
; and see flags as they set them.  The window is [BEGIN's rdtsc, END's
; rdtsc]: the same fixed moves each time, subtracted as probe.baseline.
%macro PROBE_BEGIN 0
        mov     r8, rax
        mov     r9, rdx
        rdtsc
        mov     r12d, eax
        mov     r11d, edx
        mov     rax, r8
        mov     rdx, r9
%endmacro
%macro PROBE_END 0
        mov     r8, rax
        mov     r9, rdx
        rdtsc
        mov     r13d, eax
        mov     r10d, edx
        mov     rax, r8
        mov     rdx, r9
%endmacro
; After the window: R12 = start, R13 = end, full 64-bit.
%macro PROBE_JOIN 0
        shl     r11, 32
        or      r12, r11
        shl     r10, 32
        or      r13, r10
%endmacro

; A row: body, CPL, flags, then the MSG record naming it (report_rec, abi.h).
%macro ROW 4                            ; body, cpl, flags, "name"
%%row:  dq      %1
        dw      %2
        dw      %3
        dd      0
%%rec:  dd      REPORT_MAGIC
        dw      REPORT_KIND_MSG
        dw      %%tend - %%text
        dq      0
%%text: db      %4
%%tend: times   ROW_SIZE - (%%tend - %%row) db 0
        KVMLAB_ASSERT(%%tend - %%row <= ROW_SIZE)
%endmacro
ROW_NAME_REC    equ     16              ; offset of the record in a row

start:
        mov     r15, rbx                ; the probe number (--arg), before anything clobbers RBX
        IDT_INSTALL
        RING3_SETUP
        RING3_CALL_GATE gate_target
        cmp     r15, PROBE_COUNT
        jb      .valid
        REPORT_FAIL "probe.id out of range", r15
.valid:
        mov     rbx, r15
        shl     rbx, 6                  ; * ROW_SIZE
        lea     rax, [rel rows]
        add     rbx, rax                ; RBX = the row, kept to the end
        lea     eax, [rbx + ROW_NAME_REC]
        out     PORT_REPORT, eax        ; MSG <name>
        REPORT_VALUE "probe.id", r15
        movzx   eax, word [rbx + 8]
        REPORT_VALUE "probe.cpl", rax

        ; ---- ring-0 preparation some rows need ----
        test    word [rbx + 10], PREP_OSXSAVE
        jz      .prep_umip
        push    rbx
        mov     eax, 1
        cpuid
        pop     rbx
        bt      ecx, CPUID_1_ECX_XSAVE
        jc      .has_xsave
        REPORT_FAIL "probe needs XSAVE (CPUID.1:ECX[26])", 0
.has_xsave:
        mov     rax, cr4
        or      rax, CR4_OSXSAVE
        mov     cr4, rax
.prep_umip:
        test    word [rbx + 10], PREP_UMIP
        jz      .prepared
        push    rbx
        mov     eax, 7
        xor     ecx, ecx
        cpuid
        pop     rbx
        bt      ecx, CPUID_7_ECX_UMIP
        jc      .has_umip
        REPORT_FAIL "probe needs UMIP (CPUID.7.0:ECX[2])", 0
.has_umip:
        mov     rax, cr4
        or      rax, CR4_UMIP
        mov     cr4, rax
.prepared:

        ; ---- run the body at the row's CPL ----
        xor     r14d, r14d              ; probe.value
        xor     r12d, r12d
        xor     r13d, r13d
        xor     r10d, r10d
        xor     r11d, r11d
        mov     rsi, [rbx]
        IDT_TRY after
        cmp     word [rbx + 8], 3
        je      .user
        call    baseline
        call    rsi
        IDT_TRY_END
        jmp     after_ok
.user:  RING3_CALL ring3_body           ; comes back through after

after:                                  ; RBX, R12-R15 survived: the handler restores the rest
        mov     ax, SEL_DATA            ; a fault in ring 3 may leave user data selectors
        mov     ds, ax
        mov     es, ax
        mov     rax, [rel idt_last_vector]
        cmp     rax, IDT_VEC_RETURN
        je      finish                  ; ring 3 came back normally
        REPORT_VALUE "probe.fault", rax
        PROBE_JOIN
        mov     r13, [rel idt_tsc]      ; faulted: the window ends in the handler
        jmp     report_cost
after_ok:
finish: mov     eax, IDT_VEC_NONE
        REPORT_VALUE "probe.fault", rax
        PROBE_JOIN
report_cost:
        cli                             ; undo sti/popf probes before anything else
        REPORT_VALUE "probe.baseline", rbp
        sub     r13, r12
        REPORT_VALUE "probe.cycles", r13
        REPORT_VALUE "probe.value", r14
        KVMLAB_EXIT 0

; Ring 3 entry: time the empty window, call the body, leave through ring3.inc.
ring3_body:
        call    baseline
        call    rsi
        RING3_RETURN

; baseline: the empty window three times, at the caller's CPL (a host may
; run ring 0 and ring 3 very differently); RBP = the smallest.  Clobbers
; RAX, RCX, RDX, R8-R13.
baseline:
        mov     rbp, -1
        mov     ecx, 3
.again: PROBE_BEGIN
        PROBE_END
        PROBE_JOIN
        sub     r13, r12
        cmp     r13, rbp
        cmovb   rbp, r13
        loop    .again
        ret

; ---- the bodies: setup, PROBE_BEGIN, the instruction, PROBE_END, value into R14 ----
b_nop:  PROBE_BEGIN
        nop
        PROBE_END
        ret
b_hlt:  PROBE_BEGIN
        hlt
        PROBE_END
        ret
b_in:   mov     edx, PROBE_PORT
        PROBE_BEGIN
        in      al, dx
        PROBE_END
        movzx   r14d, al
        ret
b_out:  mov     edx, PROBE_PORT
        mov     eax, ' '                ; one blank on the console
        PROBE_BEGIN
        out     dx, al
        PROBE_END
        ret
b_rdmsr:
        mov     ecx, MSR_EFER_
        PROBE_BEGIN
        rdmsr
        PROBE_END
        shl     rdx, 32
        or      rax, rdx
        mov     r14, rax
        ret
b_wrmsr:
        mov     ecx, MSR_KERNEL_GS
        xor     eax, eax
        xor     edx, edx
        PROBE_BEGIN
        wrmsr
        PROBE_END
        ret
b_rdcr0:
        PROBE_BEGIN
        mov     rax, cr0
        PROBE_END
        mov     r14, rax
        ret
b_wrcr0:
        mov     rax, CR0_AT_ENTRY
        PROBE_BEGIN
        mov     cr0, rax
        PROBE_END
        ret
b_rdcr3:
        PROBE_BEGIN
        mov     rax, cr3
        PROBE_END
        mov     r14, rax
        ret
b_wrcr3:
        mov     eax, GPA_PML4
        PROBE_BEGIN
        mov     cr3, rax
        PROBE_END
        ret
b_rdcr4:
        PROBE_BEGIN
        mov     rax, cr4
        PROBE_END
        mov     r14, rax
        ret
b_wrcr4:
        mov     eax, CR4_AT_ENTRY
        PROBE_BEGIN
        mov     cr4, rax
        PROBE_END
        ret
b_rdcr8:
        PROBE_BEGIN
        mov     rax, cr8
        PROBE_END
        mov     r14, rax
        ret
b_invlpg:
        PROBE_BEGIN
        invlpg  [rel scratch]
        PROBE_END
        ret
b_lgdt: PROBE_BEGIN
        lgdt    [rel ring3_gdtr]        ; the GDT already loaded: no change
        PROBE_END
        ret
b_lidt: PROBE_BEGIN
        lidt    [rel idt_ptr]           ; the IDT already loaded
        PROBE_END
        ret
b_cli:  PROBE_BEGIN
        cli
        PROBE_END
        ret
b_sti:  PROBE_BEGIN
        sti                             ; no interrupt source: nothing arrives; undone after
        PROBE_END
        ret
b_wbinvd:
        PROBE_BEGIN
        wbinvd
        PROBE_END
        ret
b_invd: PROBE_BEGIN
        invd
        PROBE_END
        ret
b_rddr7:
        PROBE_BEGIN
        mov     rax, dr7
        PROBE_END
        mov     r14, rax
        ret
b_wrdr7:
        mov     eax, 0x400              ; DR7's reset value (SDM Vol. 3B 18.2.4)
        PROBE_BEGIN
        mov     dr7, rax
        PROBE_END
        ret
b_xsetbv:
        xor     ecx, ecx                ; XCR0
        mov     eax, 3                  ; x87 | SSE: the minimum legal XCR0
        xor     edx, edx
        PROBE_BEGIN
        xsetbv
        PROBE_END
        ret
b_cpuid:
        xor     eax, eax
        xor     ecx, ecx
        PROBE_BEGIN
        cpuid
        PROBE_END
        mov     r14d, ebx               ; "Genu" / "Auth": the vendor's first 4 bytes
        ret
b_vmcall:
        mov     eax, HC_UNKNOWN
        PROBE_BEGIN
        vmcall
        PROBE_END
        mov     r14, rax
        ret
b_sgdt: PROBE_BEGIN
        sgdt    [rel scratch]
        PROBE_END
        mov     r14, [rel scratch + 2]  ; the base: where the GDT lives (the red pill)
        ret
b_sidt: PROBE_BEGIN
        sidt    [rel scratch]
        PROBE_END
        mov     r14, [rel scratch + 2]
        ret
b_sldt: PROBE_BEGIN
        sldt    [rel scratch]
        PROBE_END
        movzx   r14d, word [rel scratch]
        ret
b_str:  PROBE_BEGIN
        str     [rel scratch]
        PROBE_END
        movzx   r14d, word [rel scratch]
        ret
b_smsw: PROBE_BEGIN
        smsw    [rel scratch]
        PROBE_END
        movzx   r14d, word [rel scratch]        ; CR0[15:0]: PE says "protected mode"
        ret
b_pushf:
        PROBE_BEGIN
        pushfq
        PROBE_END
        pop     r14                     ; RFLAGS as the guest sees them (IOPL, IF)
        ret
b_popf: pushfq
        or      qword [rsp], RFLAGS_IF  ; ask for interrupts on
        PROBE_BEGIN
        popfq
        PROBE_END
        pushfq
        pop     r14                     ; IF stayed 0 at CPL 3: no trap, no effect
        ret
b_lar:  mov     ebx, SEL_CODE64
        PROBE_BEGIN
        lar     eax, bx
        PROBE_END
        setz    r14b                    ; 1: the CPU let us read its access rights
        ret
b_lsl:  mov     ebx, SEL_CODE64
        PROBE_BEGIN
        lsl     eax, bx
        PROBE_END
        setz    r14b
        ret
b_verr: mov     ebx, SEL_DATA
        PROBE_BEGIN
        verr    bx
        PROBE_END
        setz    r14b
        ret
b_verw: mov     ebx, SEL_DATA
        PROBE_BEGIN
        verw    bx
        PROBE_END
        setz    r14b
        ret
b_movcs:
        PROBE_BEGIN
        mov     eax, cs
        PROBE_END
        mov     r14d, eax               ; CS.RPL = the CPL the guest really runs at
        ret
b_pushfs:
        PROBE_BEGIN
        push    fs
        pop     fs
        PROBE_END
        mov     r14d, fs
        ret
b_lcall:
        PROBE_BEGIN
        call    far dword [rel gate_ptr]        ; through the gate: CPL 0 at gate_target
        PROBE_END
        mov     r14d, ebx                       ; CS as gate_target saw it
        ret
; The gate's destination: reads CS (0x18: CPL 0), returns with a 64-bit far return.
gate_target:
        mov     ebx, cs
        o64 retf
gate_ptr:
        dd      0                               ; offset: ignored for a gate
        dw      SEL_CALL_GATE | 3
b_int:  PROBE_BEGIN
        int     VEC_INT_PROBE
        PROBE_END
        ret

        align   16
scratch:        times 16 db 0

; ---- the rows: same order as vmm/measure/sensitive.c ----
        align   ROW_SIZE
rows:
        ROW     b_nop,    0, 0, "nop"
        ROW     b_nop,    3, 0, "nop"
        ROW     b_hlt,    0, 0, "hlt"
        ROW     b_hlt,    3, 0, "hlt"
        ROW     b_in,     0, 0, "in al, dx"
        ROW     b_in,     3, 0, "in al, dx"
        ROW     b_out,    0, 0, "out dx, al"
        ROW     b_out,    3, 0, "out dx, al"
        ROW     b_rdmsr,  0, 0, "rdmsr EFER"
        ROW     b_rdmsr,  3, 0, "rdmsr EFER"
        ROW     b_wrmsr,  0, 0, "wrmsr KERNEL_GS_BASE"
        ROW     b_wrmsr,  3, 0, "wrmsr KERNEL_GS_BASE"
        ROW     b_rdcr0,  0, 0, "mov rax, cr0"
        ROW     b_rdcr0,  3, 0, "mov rax, cr0"
        ROW     b_wrcr0,  0, 0, "mov cr0, rax"
        ROW     b_wrcr0,  3, 0, "mov cr0, rax"
        ROW     b_rdcr3,  0, 0, "mov rax, cr3"
        ROW     b_rdcr3,  3, 0, "mov rax, cr3"
        ROW     b_wrcr3,  0, 0, "mov cr3, rax"
        ROW     b_wrcr3,  3, 0, "mov cr3, rax"
        ROW     b_rdcr4,  0, 0, "mov rax, cr4"
        ROW     b_rdcr4,  3, 0, "mov rax, cr4"
        ROW     b_wrcr4,  0, 0, "mov cr4, rax"
        ROW     b_wrcr4,  3, 0, "mov cr4, rax"
        ROW     b_rdcr8,  0, 0, "mov rax, cr8"
        ROW     b_rdcr8,  3, 0, "mov rax, cr8"
        ROW     b_invlpg, 0, 0, "invlpg"
        ROW     b_invlpg, 3, 0, "invlpg"
        ROW     b_lgdt,   0, 0, "lgdt"
        ROW     b_lgdt,   3, 0, "lgdt"
        ROW     b_lidt,   0, 0, "lidt"
        ROW     b_lidt,   3, 0, "lidt"
        ROW     b_cli,    0, 0, "cli"
        ROW     b_cli,    3, 0, "cli"
        ROW     b_sti,    0, 0, "sti"
        ROW     b_sti,    3, 0, "sti"
        ROW     b_wbinvd, 0, 0, "wbinvd"
        ROW     b_wbinvd, 3, 0, "wbinvd"
        ROW     b_rddr7,  0, 0, "mov rax, dr7"
        ROW     b_rddr7,  3, 0, "mov rax, dr7"
        ROW     b_wrdr7,  0, 0, "mov dr7, rax"
        ROW     b_wrdr7,  3, 0, "mov dr7, rax"
        ROW     b_cpuid,  0, 0, "cpuid"
        ROW     b_cpuid,  3, 0, "cpuid"
        ROW     b_invd,   0, 0, "invd"
        ROW     b_invd,   3, 0, "invd"
        ROW     b_xsetbv, 0, PREP_OSXSAVE, "xsetbv"
        ROW     b_xsetbv, 3, PREP_OSXSAVE, "xsetbv"
        ROW     b_vmcall, 0, 0, "vmcall"
        ROW     b_vmcall, 3, 0, "vmcall"
        ROW     b_sgdt,   0, 0, "sgdt"
        ROW     b_sgdt,   3, 0, "sgdt"
        ROW     b_sgdt,   0, PREP_UMIP, "sgdt (CR4.UMIP=1)"
        ROW     b_sgdt,   3, PREP_UMIP, "sgdt (CR4.UMIP=1)"
        ROW     b_sidt,   0, 0, "sidt"
        ROW     b_sidt,   3, 0, "sidt"
        ROW     b_sldt,   0, 0, "sldt"
        ROW     b_sldt,   3, 0, "sldt"
        ROW     b_str,    0, 0, "str"
        ROW     b_str,    3, 0, "str"
        ROW     b_smsw,   0, 0, "smsw"
        ROW     b_smsw,   3, 0, "smsw"
        ROW     b_pushf,  0, 0, "pushf"
        ROW     b_pushf,  3, 0, "pushf"
        ROW     b_popf,   0, 0, "popf (set IF)"
        ROW     b_popf,   3, 0, "popf (set IF)"
        ROW     b_lar,    0, 0, "lar"
        ROW     b_lar,    3, 0, "lar"
        ROW     b_lsl,    0, 0, "lsl"
        ROW     b_lsl,    3, 0, "lsl"
        ROW     b_verr,   0, 0, "verr"
        ROW     b_verr,   3, 0, "verr"
        ROW     b_verw,   0, 0, "verw"
        ROW     b_verw,   3, 0, "verw"
        ROW     b_movcs,  0, 0, "mov eax, cs"
        ROW     b_movcs,  3, 0, "mov eax, cs"
        ROW     b_pushfs, 0, 0, "push fs; pop fs"
        ROW     b_pushfs, 3, 0, "push fs; pop fs"
        ROW     b_lcall,  0, 0, "call far via call gate"
        ROW     b_lcall,  3, 0, "call far via call gate"
        ROW     b_int,    0, 0, "int 0x80"
        ROW     b_int,    3, 0, "int 0x80"
rows_end:
PROBE_COUNT     equ     (rows_end - rows) / ROW_SIZE
