; vmcall.asm - a hypercall nobody asked for.
;
; Demonstrates: VMCALL, the instruction a guest uses to call its hypervisor.
; KVM handles it in the kernel: RAX=0 is not a KVM hypercall number, so KVM
; normally puts -KVM_ENOSYS (-1000) in RAX and resumes the guest without
; telling kvmlab (Linux Documentation/virt/kvm/x86/hypercalls.rst).
; kvmlab should observe: 12 IO exits on port 0xE9 printing "vmcall next\n",
; no exit for the vmcall itself, 13 more printing "after vmcall\n", then
; one HLT exit ending the run normally.  On some hosts KVM_RUN never
; returns at the vmcall (seen with the kvm_pvm module: RIP stays on the
; vmcall, no exit ever reaches kvmlab); then the watchdog must end the run
; as a timeout.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "vmcall", 128, "executes vmcall with RAX=0, then prints and halts"

start:
        PRINT   `vmcall next\n`
        xor     eax, eax                        ; hypercall number 0: undefined
        vmcall
        PRINT   `after vmcall\n`
        hlt
