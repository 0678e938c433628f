/* test_uart.c - the 16550 register model, against the datasheet's register table. */
#include <string.h>

#include "kvmlab.h"
#include "check.h"

static void test_uart(void)
{
	struct uart u;
	uint8_t out[8];
	const uint8_t in[] = "hi";

	uart_reset(&u, in, 2);
	CHECK_EQ(u.divisor, 12);                        /* 9600 baud after reset */
	CHECK_EQ(uart_read(&u, 5), 0x61);               /* LSR: THRE | TEMT | DR */
	uart_write(&u, 3, 0x80);                        /* LCR.DLAB = 1 */
	uart_write(&u, 0, 0x01);                        /* DLL */
	uart_write(&u, 1, 0x00);                        /* DLM */
	CHECK_EQ(uart_read(&u, 0), 0x01);
	CHECK_EQ(uart_read(&u, 1), 0x00);
	CHECK_EQ(u.divisor, 1);
	uart_write(&u, 3, 0x03);                        /* 8N1, DLAB = 0 */
	CHECK_EQ(uart_read(&u, 3), 0x03);
	uart_write(&u, 7, 0x5A);                        /* scratch */
	CHECK_EQ(uart_read(&u, 7), 0x5A);
	CHECK_EQ(uart_read(&u, 2), 0x01);               /* IIR: no interrupt, FIFOs off */
	uart_write(&u, 2, 0x07);                        /* FCR: enable, clear */
	CHECK_EQ(uart_read(&u, 2), 0xC1);               /* FIFOs on, nothing pending */
	uart_write(&u, 1, 0x01);                        /* IER: received data */
	CHECK_EQ(uart_read(&u, 2), 0xC4);               /* received data available */
	CHECK_EQ(uart_read(&u, 0), 'h');
	CHECK_EQ(uart_read(&u, 0), 'i');
	CHECK_EQ(uart_read(&u, 5) & 1, 0);              /* no more data */
	CHECK_EQ(uart_read(&u, 0), 0);                  /* RBR with nothing: 0, no overrun */
	CHECK_EQ(u.rx_bytes, 2);
	uart_write(&u, 0, 'A');
	uart_write(&u, 0, 'B');
	CHECK_EQ(uart_take(&u, out, sizeof(out)), 2);
	CHECK(!memcmp(out, "AB", 2));
	CHECK_EQ(u.tx_bytes, 2);
	CHECK_EQ(uart_read(&u, 6), 0xB0);               /* MSR: DCD, DSR, CTS */
	uart_write(&u, 4, 0x1F);                        /* loopback + all outputs */
	CHECK_EQ(uart_read(&u, 6), 0xF0);
	uart_write(&u, 0, 'X');                         /* looped: not on the wire */
	CHECK_EQ(uart_take(&u, out, sizeof(out)), 0);
	/* ... but on the receiver: PC16550D "Loopback" - the transmitter
	 * shift register is connected to the receiver shift register. */
	CHECK_EQ(uart_read(&u, 5), 0x61);               /* THRE, TEMT, DR */
	CHECK_EQ(uart_read(&u, 0), 'X');
	CHECK_EQ(uart_read(&u, 5), 0x60);
	CHECK_EQ(u.rx_bytes, 3);
	uart_write(&u, 2, 0x00);                        /* FIFOs off: one holding register */
	uart_write(&u, 0, 'Y');
	uart_write(&u, 0, 'Z');                         /* overwrites Y: overrun */
	CHECK_EQ(uart_read(&u, 5), 0x63);               /* DR + OE */
	CHECK_EQ(uart_read(&u, 5), 0x61);               /* OE clears when LSR is read */
	CHECK_EQ(uart_read(&u, 0), 'Z');
	uart_write(&u, 2, 0x01);                        /* FIFO on: 16 bytes held */
	for (int i = 0; i < UART_FIFO_SIZE + 1; i++)
		uart_write(&u, 0, (uint8_t)('a' + i));
	CHECK_EQ(uart_read(&u, 5), 0x63);               /* the 17th overran */
	for (int i = 0; i < UART_FIFO_SIZE; i++)
		CHECK_EQ(uart_read(&u, 0), 'a' + i);
	CHECK_EQ(uart_read(&u, 5), 0x60);
	uart_write(&u, 0, 'W');
	uart_write(&u, 4, 0x0F);                        /* loopback off: the held byte stays */
	CHECK_EQ(uart_read(&u, 5), 0x61);
	CHECK_EQ(uart_read(&u, 0), 'W');
	uart_write(&u, 4, 0x10);
	uart_write(&u, 0, 'V');
	uart_write(&u, 2, 0x03);                        /* FCR: clear the receive FIFO */
	CHECK_EQ(uart_read(&u, 5), 0x60);
	uart_write(&u, 5, 0x00);                        /* LSR is read-only */
	CHECK_EQ(uart_read(&u, 5), 0x60);
	/* The transmit buffer never overflows, however much is written untaken. */
	uart_reset(&u, NULL, 0);
	for (int i = 0; i < 10000; i++)
		uart_write(&u, 0, (uint8_t)i);
	CHECK_EQ(u.out_len, sizeof(u.out));
	CHECK_EQ(u.tx_bytes, 10000);
}

/* The interrupt output (uart_irq): gated by MCR.OUT2 on a PC; THR empty raised by
 * enabling ETBEI and by every byte sent, cleared by the IIR read that reports it;
 * received data is a level while RBR holds a byte (16550 datasheet, Table 4). */
static void test_uart_irq(void)
{
	struct uart u;
	const uint8_t in[] = "x";

	uart_reset(&u, in, 1);
	uart_write(&u, 1, 0x03);                        /* IER: ERBFI | ETBEI */
	CHECK(!uart_irq(&u));                           /* OUT2 clear: the line never leaves the chip */
	uart_write(&u, 4, 0x08);                        /* MCR.OUT2 */
	CHECK(uart_irq(&u));
	CHECK_EQ(uart_read(&u, 2), 0x04);               /* IIR: received data first (priority) */
	CHECK_EQ(uart_read(&u, 0), 'x');
	CHECK(uart_irq(&u));                            /* THR empty still pending */
	CHECK_EQ(uart_read(&u, 2), 0x02);               /* IIR: THR empty, and reading clears it */
	CHECK_EQ(uart_read(&u, 2), 0x01);
	CHECK(!uart_irq(&u));
	uart_write(&u, 0, 'A');                         /* sent at once: THR empty again */
	CHECK(uart_irq(&u) && u.thr_pulse);
	uart_write(&u, 1, 0x00);                        /* IER off: line low */
	CHECK(!uart_irq(&u));
}

const struct unit_test io_uart_tests[] = {
	UNIT(test_uart),
	UNIT(test_uart_irq),
	{ 0 },
};
