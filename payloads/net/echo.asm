; echo.asm - a virtio-net driver that answers ARP and ICMP echo on 10.0.2.15.
;
; Demonstrates: network virtualization with virtio-net (virtio 1.1 5.1) on a
; tap (kvmlab run --net).  The guest fills receiveq1 with 8 buffers and polls
; its used ring.  For each frame: an ARP request for 10.0.2.15 (RFC 826) gets
; an ARP reply with the MAC from config space; an ICMP echo request to
; 10.0.2.15 (RFC 792) is sent back as an echo reply - addresses swapped, type
; 0, checksum recomputed (RFC 1071); anything else is counted and ignored.
; Every answer is one transmit chain (header + frame).  After `total` echo
; replies (port 0xE0: --io-total N) the guest reports and halts.
; kvmlab should observe: `ping` from the tap's side of the namespace gets
; its replies; io.net.rx_packets >= arp + echo requests, tx_packets = the
; replies sent; reports arp_replies, echo_replies, ignored, frames.

%include "kvmlab.inc"
%include "io.inc"
%include "net.inc"
KVMLAB_HEADER MODE_LONG, "net-echo", 4096, "virtio-net driver answering ARP and ICMP echo for 10.0.2.15"

%define ARP     14                              ; offsets in the frame: after the Ethernet header
%define IP      14
%define ICMP    34                              ; IHL 5 only (checked)

start:
        IOPARAM r9d, IOPARAM_TOTAL              ; echo replies before halting
        NET_START
        NET_RX_FILL
        xor     r12d, r12d                      ; receiveq1 used->idx seen
        mov     r15d, RX_NUM                    ; receiveq1 avail->idx
        xor     r14d, r14d                      ; transmitq1 avail->idx
        xor     r13d, r13d                      ; echo replies
        xor     r11d, r11d                      ; ARP replies
        xor     r10d, r10d                      ; frames ignored
.next:  cmp     r13d, r9d
        jae     .done
.wait:  cmp     [VQ_USED + 2], r12w             ; a frame arrived? (polling RAM)
        jne     .got
        pause
        jmp     .wait
.got:   mov     eax, r12d
        and     eax, RX_NUM - 1
        mov     ebp, [VQ_USED + 4 + rax * 8]    ; used elem: id (the descriptor = buffer index)
        mov     r8d, [VQ_USED + 4 + rax * 8 + 4]; len: header + frame
        inc     r12d
        mov     esi, ebp
        imul    esi, RX_BUF_SIZE
        add     esi, RX_BUF + NET_HDR           ; RSI = the frame
        sub     r8d, NET_HDR                    ; R8 = frame length
        jb      .ignore
        cmp     word [rsi + 12], ETH_P_ARP_LE
        je      .arp
        cmp     word [rsi + 12], ETH_P_IP_LE
        je      .ip
.ignore:
        inc     r10d
        jmp     .recycle

.arp:   cmp     r8d, ARP + 28
        jb      .ignore
        cmp     word [rsi + ARP + 6], 0x0100    ; oper 1: request
        jne     .ignore
        cmp     dword [rsi + ARP + 24], GUEST_IP        ; tpa: us?
        jne     .ignore
        mov     rdi, TX_FRAME
        mov     eax, [rsi + ARP + 8]            ; Ethernet dst = the asker's sha
        mov     [rdi], eax
        mov     ax, [rsi + ARP + 12]
        mov     [rdi + 4], ax
        mov     eax, [OUR_MAC]                  ; Ethernet src = us
        mov     [rdi + 6], eax
        mov     ax, [OUR_MAC + 4]
        mov     [rdi + 10], ax
        mov     word [rdi + 12], ETH_P_ARP_LE
        mov     dword [rdi + ARP], 0x00080100   ; htype 1 (Ethernet), ptype 0x0800
        mov     dword [rdi + ARP + 4], 0x02000406       ; hlen 6, plen 4, oper 2: reply
        mov     eax, [OUR_MAC]                  ; sha = us
        mov     [rdi + ARP + 8], eax
        mov     ax, [OUR_MAC + 4]
        mov     [rdi + ARP + 12], ax
        mov     dword [rdi + ARP + 14], GUEST_IP        ; spa = our address
        mov     eax, [rsi + ARP + 8]            ; tha = the asker's sha
        mov     [rdi + ARP + 18], eax
        mov     ax, [rsi + ARP + 12]
        mov     [rdi + ARP + 22], ax
        mov     eax, [rsi + ARP + 14]           ; tpa = the asker's spa
        mov     [rdi + ARP + 24], eax
        mov     edi, ARP + 28                   ; 42 bytes
        NET_SEND edi
        inc     r11d
        jmp     .recycle

.ip:    cmp     r8d, ICMP + 8
        jb      .ignore
        cmp     byte [rsi + IP], 0x45           ; IPv4, 20-byte header
        jne     .ignore
        cmp     byte [rsi + IP + 9], 1          ; protocol ICMP
        jne     .ignore
        cmp     dword [rsi + IP + 16], GUEST_IP
        jne     .ignore
        cmp     byte [rsi + ICMP], 8            ; echo request
        jne     .ignore
        movzx   eax, word [rsi + IP + 2]        ; IP total length, big-endian
        xchg    al, ah
        lea     edx, [rax + IP]
        cmp     edx, r8d                        ; the datagram must fit the frame
        ja      .ignore
        mov     r8d, edx                        ; Ethernet padding is not echoed
        mov     rdi, TX_FRAME                   ; the reply starts as a copy
        mov     ecx, r8d
        push    rsi
        rep     movsb
        pop     rsi
        mov     rdi, TX_FRAME
        mov     eax, [rsi + 6]                  ; Ethernet dst = the sender
        mov     [rdi], eax
        mov     ax, [rsi + 10]
        mov     [rdi + 4], ax
        mov     eax, [OUR_MAC]
        mov     [rdi + 6], eax
        mov     ax, [OUR_MAC + 4]
        mov     [rdi + 10], ax
        mov     eax, [rsi + IP + 12]            ; swap source and destination:
        mov     [rdi + IP + 16], eax            ; the IP header sum does not change
        mov     dword [rdi + IP + 12], GUEST_IP
        mov     byte [rdi + ICMP], 0            ; type 0: echo reply
        mov     word [rdi + ICMP + 2], 0
        ; RFC 1071: one's-complement sum of 16-bit words; the sum is the same
        ; in either byte order, so little-endian loads and store work.
        lea     ecx, [r8d - ICMP]               ; ICMP bytes
        lea     rsi, [rdi + ICMP]
        xor     eax, eax
.sum:   cmp     ecx, 2
        jb      .odd
        movzx   edx, word [rsi]
        add     eax, edx
        add     rsi, 2
        sub     ecx, 2
        jmp     .sum
.odd:   jecxz   .fold
        movzx   edx, byte [rsi]
        add     eax, edx
.fold:  mov     edx, eax
        shr     edx, 16
        and     eax, 0xFFFF
        add     eax, edx
        test    eax, 0xFFFF0000
        jnz     .fold
        not     eax
        mov     [rdi + ICMP + 2], ax
        NET_SEND r8d
        inc     r13d

.recycle:                                       ; the buffer goes back to receiveq1
        mov     eax, r15d
        and     eax, RX_NUM - 1
        mov     [VQ_AVAIL + 4 + rax * 2], bp
        inc     r15d
        mov     [VQ_AVAIL + 2], r15w
        mfence
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], NET_RXQ
        jmp     .next

.done:  REPORT_VALUE "echo_replies", r13
        REPORT_VALUE "arp_replies", r11
        REPORT_VALUE "ignored", r10
        mov     eax, r12d
        REPORT_VALUE "frames", rax
        mov     eax, [rbx + VIRTIO_STATUS]
        REPORT_VALUE "virtio_status", rax
        hlt
