/*
 * log.c - the two error tiers: die() for setup code, messages for the rest.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "kvmlab.h"

int log_verbose;

void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kvmlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	fputs("kvmlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
