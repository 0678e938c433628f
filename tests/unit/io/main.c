/* main.c - unit tests of the I/O devices' pure logic (no KVM): make unit-io. */
#include "check.h"

int check_failures, check_count;

int main(void)
{
	test_virtqueue();
	test_uart();
	test_virtio_mmio();
	test_virtio_blk();
	printf("unit-io: %d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
