/*
 * uart.c - libFuzzer harness for the 16550 register model.
 *
 * Input: the first byte says how many of the following bytes are the UART's
 * receive stream; the rest is a script of (register, write?, value) triples.
 * Properties: no out-of-bounds access, the transmit buffer never exceeds
 * its size, the receive position never passes the input, every read of a
 * register is deterministic given the state.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uart u;
	uint8_t sink[64];

	if (size < 1)
		return 0;
	size_t nin = data[0];
	if (nin > size - 1)
		nin = size - 1;
	uart_reset(&u, data + 1, nin);
	for (size_t i = 1 + nin; i + 2 < size; i += 3) {
		unsigned off = data[i];                 /* the model masks to 0..7 */
		if (data[i + 1] & 1)
			uart_write(&u, off, data[i + 2]);
		else
			(void)uart_read(&u, off);
		if (data[i + 1] & 2)
			(void)uart_take(&u, sink, data[i + 2] % sizeof(sink));
		if (u.out_len > sizeof(u.out) || u.input_pos > u.input_len)
			abort();
	}
	return 0;
}
