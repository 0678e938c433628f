; two-irq-models.asm - malformed payload: two interrupt models at once.
;
; Defect: flags sets both KVMLAB_FLAG_IRQCHIP (bit 2, all controllers in KVM)
; and KVMLAB_FLAG_SPLIT_IRQCHIP (bit 3, only the LAPIC in KVM).
; Check it must trip: a payload states one interrupt model (vmm/core/irqchip.c).

%include "kvmlab.inc"                   ; constants
%define RAW_FLAGS     (KVMLAB_FLAG_IRQCHIP | KVMLAB_FLAG_SPLIT_IRQCHIP)   ; <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "two-irq-models", "two interrupt models"
