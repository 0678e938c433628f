/* labs/code/ex05/ex05.h - exercise 5: a new bench case (labs/code/05-bench-case.md). */
#ifndef EX05_H
#define EX05_H
#include "kvmlab.h"

/* The case's row, as one more line of bench_cases[] (vmm/measure/bench_cases.c);
 * its payload is case.asm beside student.c. */
extern const struct bench_case ex05_case;
#endif
