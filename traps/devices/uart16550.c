/*
 * uart16550.c - a 16550 UART at COM1 (ports 0x3F8-0x3FF), the device a
 * polled serial driver written from the datasheet expects (TI/National
 * PC16550D datasheet, "Register Summary").  Full emulation: every register
 * access the guest makes is one port I/O exit, so sending one byte costs at
 * least one round trip to kvmlab - the lesson of docs/io.md.
 *
 *   off  DLAB=0 read / write       DLAB=1
 *   0    RBR  / THR                DLL (divisor low)
 *   1    IER                       DLM (divisor high)
 *   2    IIR  / FCR
 *   3    LCR  (bit 7 = DLAB)
 *   4    MCR  (bit 4 = loopback)
 *   5    LSR  (read only)
 *   6    MSR  (read only)
 *   7    SCR  (scratch)
 *
 * The model transmits instantly, so THRE and TEMT are always set; received
 * bytes come from --uart-input, or in loopback (MCR bit 4) from THR itself:
 * the datasheet's "Loopback" connects the transmitter to the receiver and
 * disconnects the serial input, which the standard probe (set loopback,
 * write a byte, read it back) relies on.  The receiver holds one byte
 * without FIFOs and UART_FIFO_SIZE with them; a byte that finds it full
 * sets LSR.OE (overwriting RBR without FIFOs, dropped with them).  IIR says which
 * interrupt is pending (received data before THR empty, datasheet Table 4); the THR
 * empty one is cleared by reading IIR or writing THR, and set again at once, since
 * a byte leaves at once.  uart_irq is the output line; on a PC it reaches the
 * interrupt controller (ISA IRQ 4 for COM1) only with MCR.OUT2 set.  With the
 * interrupt model kernel uart_io drives IRQ 4 with KVM_IRQ_LINE (api.rst 4.25);
 * without a controller nothing is raised.  uart_read/uart_write are pure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlab.h"

enum uart_reg { UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3,
		UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };

#define LCR_DLAB        0x80u   /* divisor latch access */
#define LSR_DR          0x01u   /* data ready */
#define LSR_OE          0x02u   /* overrun error, cleared by reading LSR */
#define LSR_THRE        0x20u   /* transmit holding register empty */
#define LSR_TEMT        0x40u   /* transmitter empty */
#define IER_ERBFI       0x01u   /* received data available interrupt enable */
#define IER_ETBEI       0x02u   /* THR empty interrupt enable */
#define IER_MASK        0x0Fu   /* bits 4-7 read as zero */
#define IIR_NO_INT      0x01u
#define IIR_THRE        0x02u
#define IIR_RDA         0x04u
#define IIR_FIFOS_ON    0xC0u   /* FCR bit 0 set */
#define FCR_ENABLE      0x01u
#define FCR_CLEAR_RX    0x02u
#define MCR_OUT2        0x08u   /* PC: gates the interrupt output onto the bus */
#define MCR_LOOP        0x10u
#define MCR_MASK        0x1Fu
#define MSR_CTS 0x10u
#define MSR_DSR 0x20u
#define MSR_RI  0x40u
#define MSR_DCD 0x80u
#define UART_DIVISOR_RESET 12   /* 9600 baud from the 1.8432 MHz clock */


void uart_reset(struct uart *u, const uint8_t *input, size_t input_len)
{
	memset(u, 0, sizeof(*u));
	u->divisor = UART_DIVISOR_RESET;
	u->input = input;
	u->input_len = input ? input_len : 0;
	u->fnv = 2166136261u;           /* FNV-1a offset basis */
}

/* Looped bytes sit in the receiver first; the wire only outside loopback. */
static bool rx_ready(const struct uart *u)
{
	return u->loop_len > 0 || (!(u->mcr & MCR_LOOP) && u->input_pos < u->input_len);
}

static uint8_t rx_take(struct uart *u)
{
	u->rx_bytes++;
	if (u->loop_len) {
		uint8_t b = u->loop[0];
		memmove(u->loop, u->loop + 1, --u->loop_len);
		return b;
	}
	return u->input[u->input_pos++];
}

static void loop_put(struct uart *u, uint8_t val)
{
	size_t cap = (u->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;

	if (u->loop_len < cap) {
		u->loop[u->loop_len++] = val;
		return;
	}
	u->overrun = true;
	if (cap == 1)
		u->loop[0] = val;       /* no FIFO: the new byte overwrites RBR */
}

uint8_t uart_read(struct uart *u, unsigned off)
{
	bool dlab = u->lcr & LCR_DLAB;

	u->reg_reads++;
	switch (off & 7) {
	case UART_RBR_THR:
		if (dlab)
			return (uint8_t)u->divisor;
		if (!rx_ready(u))
			return 0;
		return rx_take(u);
	case UART_IER:
		return dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
	case UART_IIR_FCR: {
		uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFOS_ON : 0;
		if ((u->ier & IER_ERBFI) && rx_ready(u))
			return fifo | IIR_RDA;
		if ((u->ier & IER_ETBEI) && u->thre_int) {
			u->thre_int = false;        /* reading IIR clears a THR empty interrupt */
			return fifo | IIR_THRE;
		}
		return fifo | IIR_NO_INT;
	}
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR: {
		uint8_t lsr = LSR_THRE | LSR_TEMT | (rx_ready(u) ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		return lsr;
	}
	case UART_MSR:
		if (u->mcr & MCR_LOOP)  /* loopback: modem outputs appear as inputs */
			return (uint8_t)(((u->mcr & 0x02) ? MSR_CTS : 0) | ((u->mcr & 0x01) ? MSR_DSR : 0) |
					 ((u->mcr & 0x04) ? MSR_RI : 0) | ((u->mcr & 0x08) ? MSR_DCD : 0));
		return MSR_CTS | MSR_DSR | MSR_DCD;     /* a cable with someone at the other end */
	default:
		return u->scr;
	}
}

void uart_write(struct uart *u, unsigned off, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	u->reg_writes++;
	switch (off & 7) {
	case UART_RBR_THR:
		if (dlab) {
			u->divisor = (uint16_t)((u->divisor & 0xFF00) | val);
			return;
		}
		u->tx_bytes++;
		u->fnv = (u->fnv ^ val) * 16777619u;   /* FNV-1a: proves order and content */
		u->thre_int = true;             /* the byte left at once: THR is empty again */
		u->thr_pulse = true;            /* and the line dropped while it was full (uart_io) */
		if (u->mcr & MCR_LOOP) {
			loop_put(u, val);       /* to our own receiver, not the wire */
			return;
		}
		if (u->out_len < sizeof(u->out))
			u->out[u->out_len++] = val;
		return;
	case UART_IER:
		if (dlab)
			u->divisor = (uint16_t)((u->divisor & 0x00FF) | (val << 8));
		else {
			if ((val & IER_ETBEI) && !(u->ier & IER_ETBEI))
				u->thre_int = true;     /* enabling it with THR empty raises it at once */
			u->ier = val & IER_MASK;
		}
		return;
	case UART_IIR_FCR:
		if (val & FCR_CLEAR_RX)
			u->loop_len = 0;
		u->fcr = val & ~(FCR_CLEAR_RX | 0x04u);  /* clear bits self-reset */
		return;
	case UART_LCR:
		u->lcr = val;
		return;
	case UART_MCR:
		u->mcr = val & MCR_MASK;
		return;
	case UART_LSR:
	case UART_MSR:
		return;                 /* read-only: writes ignored (factory test only) */
	default:
		u->scr = val;
	}
}

size_t uart_take(struct uart *u, uint8_t *dst, size_t n)
{
	size_t k = u->out_len < n ? u->out_len : n;

	memcpy(dst, u->out, k);
	memmove(u->out, u->out + k, u->out_len - k);
	u->out_len -= k;
	return k;
}

/* Every element of a string I/O exit (count > 1) is one register access. */
bool uart_irq(const struct uart *u)
{
	if (!(u->mcr & MCR_OUT2))
		return false;           /* PC wiring: OUT2 gates the UART's interrupt to the bus */
	return ((u->ier & IER_ERBFI) && rx_ready(u)) || ((u->ier & IER_ETBEI) && u->thre_int);
}

/* IRQ 4's wire: pin 4 of kvmlab's IOAPIC (split), else KVM's PIC and IOAPIC (kernel). */
static int uart_line(struct vcpu *v, struct uart_dev *d, bool level)
{
	struct kvm_irq_level lv = { .irq = UART_COM1_IRQ, .level = level };

	if (d->ioapic) {
		ioapic_set_irq(d->ioapic, UART_COM1_IRQ, level);
		return 0;
	}
	return ioctl(v->vm->fd, KVM_IRQ_LINE, &lv);
}

/* ISA IRQ 4 (interrupt model kernel or split), changed only on an edge of the model's
 * line; a THR write that re-raised it pulses the line low first, so an edge-triggered
 * input sees the new interrupt. */
static void uart_drive_irq(struct vcpu *v, struct uart_dev *d)
{
	struct uart *u = &d->uart;
	bool want = uart_irq(u);

	if (!v || (v->vm->cfg.irqchip != IRQ_KERNEL && !d->ioapic))
		return;
	if (want && d->irq_level && u->thr_pulse) {
		uart_line(v, d, false);
		d->irq_level = false;
	}
	u->thr_pulse = false;
	if (want == d->irq_level)
		return;
	if (uart_line(v, d, want) == 0) {
		d->irq_level = want;
		if (want)
			d->irqs++;
	}
}

enum action uart_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct uart_dev *d = opaque;
	struct uart *u = &d->uart;
	unsigned off = io->off;
	uint8_t buf[sizeof(u->out)];

	pthread_mutex_lock(&d->lock);
	for (uint32_t i = 0; i < io->count; i++) {
		uint8_t *el = io->data + (size_t)i * io->size;
		if (io->out) {
			uart_write(u, off, el[0]);     /* an 8-bit device: the low byte */
		} else {
			memset(el, 0xFF, io->size);     /* upper lanes float high */
			el[0] = uart_read(u, off);
		}
		if (u->out_len == sizeof(u->out) || i + 1 == io->count) {
			size_t k = uart_take(u, buf, sizeof(buf));
			console_put(d->con, buf, (uint32_t)k);   /* under d->lock: in order */
		}
		uart_drive_irq(v, d);
	}
	pthread_mutex_unlock(&d->lock);
	return ACT_CONTINUE;
}

/* --uart-input-file: what the wire delivers, read once before the run.
 * O_NONBLOCK so a FIFO with no writer cannot block before the watchdog
 * exists; fstat before read so only a regular file is input (a directory
 * or device would otherwise read as empty, or never end). */
#define UART_INPUT_MAX (1u << 20)

int uart_input_load(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > UART_INPUT_MAX) {
		snprintf(err, errlen, "'%s' is over 1 MiB", path);
		close(fd);
		return -1;
	}
	uint8_t *b = malloc(UART_INPUT_MAX + 1);
	size_t n = 0;
	ssize_t k = 1;
	while (b && n <= UART_INPUT_MAX && (k = read(fd, b + n, UART_INPUT_MAX + 1 - n)) > 0)
		n += (size_t)k;         /* the file may grow after fstat: read to EOF, capped */
	int e = errno;
	close(fd);
	if (!b || k < 0 || n > UART_INPUT_MAX) {
		snprintf(err, errlen, !b ? "'%s': out of memory" : k < 0 ? "cannot read '%s': %s" :
			 "'%s' is over 1 MiB", path, strerror(e));
		free(b);
		return -1;
	}
	free(*buf);
	*buf = b;
	*len = n;
	return 0;
}
