/*
 * labs/solutions/ex05/student.c - exercise 5, reference solution (instructors only).
 */
#include "ex05.h"

const struct bench_case ex05_case = { "pio-out-pair", "two outs to a kvmlab port", 0, 0 };
