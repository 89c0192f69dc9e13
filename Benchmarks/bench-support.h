/*
 * What the in-process benchmarks (openssl-floor.c, primitive-floor.c) share: a monotonic clock,
 * stopping with OpenSSL's error queue, and reading a PEM certificate.
 */
#ifndef SECUREMAIL_BENCH_SUPPORT_H
#define SECUREMAIL_BENCH_SUPPORT_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static inline double now(void) {
    struct timespec clock;
    clock_gettime(CLOCK_MONOTONIC, &clock);
    return clock.tv_sec + clock.tv_nsec / 1e9;
}

/* Prints what failed, prefixed by the program's name, and OpenSSL's errors; exits 1. */
static inline void die(const char *what) {
    fprintf(stderr, "%s: %s\n", program_invocation_short_name, what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static inline X509 *read_certificate(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) die(path);
    X509 *read = PEM_read_X509(file, NULL, NULL, NULL);
    fclose(file);
    if (!read) die(path);
    return read;
}

#endif
