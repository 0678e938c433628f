; migrate-net.asm - frames out through virtio-net every round; a migration must not lose or repeat one.
;
; Demonstrates: virtio-net's state in the migration stream (docs/migration.md,
; section VIRTIO, device net).  The guest sets the device up (kvmlab run
; --net), posts its receive buffers once (receiveq1 then lives in RAM, as a
; migrated driver's does) and then sends one frame a round on transmitq1:
; 60 bytes to 02:00:00:00:00:00 (a locally administered address nobody
; holds, so the host side of the tap drops it), ethertype 0x88B5 (IEEE
; 802 local experimental), carrying the round number and bytes derived from
; it.  Each round waits for the used ring and folds the used entry (id,
; length) into a running checksum.  RBX (--arg) is the number of rounds
; (0 = 4000).  The checkpoint comes early (round 64, or half-way).  A
; migration in between must land on a device that knows transmitq1's place:
; one at power-on would ignore the doorbell, one that restarted at 0 would
; send frames again.  Frames that arrive from the tap are left in the
; receive buffers: what the host side sends (IPv6 chatter) is not counted.
; kvmlab should observe:
;   io.net: tx_packets = rounds, tx_bytes = 60 * rounds, and the device's
;   fnv over every byte sent the same as a run without migration;
;   report "checkpoint" (value: the round), then "counter" = rounds,
;   "result" = the checksum, exit 0.
; Run: kvmlab run --net build/payloads/mem/migrate-net.bin (as root)

%include "kvmlab.inc"
%include "rounds.inc"
%include "io.inc"
%include "net.inc"
KVMLAB_HEADER MODE_LONG, "migrate-net", 4096, "sends a frame through virtio-net every round; a migration must not lose or repeat one"

FRAME_LEN       equ 60                  ; ETH_ZLEN: the shortest frame a wire carries
ROUNDS_DEFAULT  equ 4000
CHECKPOINT_MAX  equ 64

start:
        mov     r13, rbx                ; rounds
        ROUNDS_OR_DEFAULT r13, ROUNDS_DEFAULT
        CHECKPOINT_CAPPED r11, r13, CHECKPOINT_MAX
        NET_START
        NET_RX_FILL
        xor     r14d, r14d              ; transmitq1 avail->idx
        mov     dword [TX_FRAME], 0x00000002    ; destination 02:00:00:00:00:00
        mov     word [TX_FRAME + 4], 0
        mov     eax, [OUR_MAC]          ; source: the MAC from config space
        mov     [TX_FRAME + 6], eax
        mov     ax, [OUR_MAC + 4]
        mov     [TX_FRAME + 10], ax
        mov     word [TX_FRAME + 12], 0xB588    ; ethertype 0x88B5, big-endian on the wire
        mov     r15d, FRAME_LEN
        xor     r10, r10                ; round
        mov     r8, 0x9E3779B97F4A7C15  ; checksum seed (any odd constant)

.round: mov     [TX_FRAME + 14], r10    ; the round, then 38 bytes derived from it
        mov     rax, r10
        imul    rax, rax, 0x1000193
        xor     ecx, ecx
.body:  mov     [TX_FRAME + 22 + rcx], al
        rol     rax, 5
        inc     al
        inc     ecx
        cmp     ecx, FRAME_LEN - 22
        jb      .body
        NET_SEND r15d
        lea     edx, [r14d - 1]
        and     edx, TX_NUM - 1
        mov     eax, [TXQ_USED + 4 + rdx * 8]   ; id
        xor     r8, rax
        rol     r8, 7
        mov     eax, [TXQ_USED + 8 + rdx * 8]   ; length: 0 for a transmit buffer
        add     r8, rax
        imul    r8, r8, 31
        inc     r10
        CHECKPOINT_AT r10, r11
        MIGRATION_WAIT_AT r10, r13
        cmp     r10, r13
        jb      .round

        REPORT_VALUE "counter", r10
        REPORT_VALUE "result", r8
        KVMLAB_EXIT 0
