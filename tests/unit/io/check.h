/* check.h - the smallest test harness: CHECK(cond) counts and names failures. */
#ifndef IO_CHECK_H
#define IO_CHECK_H
#include <stdio.h>

extern int check_failures, check_count;
#define CHECK(cond) do { check_count++; if (!(cond)) { check_failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); check_count++; \
	if (_a != _b) { check_failures++; fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, expected %s == %lld\n", \
	__FILE__, __LINE__, #a, _a, #b, _b); } } while (0)

void test_virtqueue(void);
void test_uart(void);
void test_virtio_mmio(void);
void test_virtio_blk(void);
#endif
