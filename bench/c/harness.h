/*
 * Timing harness shared by the C reference benchmarks.
 *
 * Every workload is a function that performs `n` iterations of one operation
 * on the calling rank.  The harness
 *   1. warms up: runs 1, 2, 4, ... iterations until one batch takes at least a
 *      quarter of the per-repetition target time, then three more batches of
 *      about that length (this also calibrates);
 *   2. picks an iteration count so that one repetition lasts about the target,
 *      from the median per-iteration time of those three batches;
 *   3. runs `reps` timed repetitions, each preceded by a barrier, and takes the
 *      slowest rank's time of each;
 *   4. prints, on rank 0, one JSON line with the median (and minimum) seconds
 *      per unit of work (a "unit" is one message for point-to-point workloads,
 *      one call for collectives).
 *
 * The Python benchmarks (bench/py_bench.py) follow the same procedure and print
 * the same record format, so both can be compared line by line.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*bench_fn)(void *ctx, long n);

typedef struct {
    int reps;           /* timed repetitions per workload */
    double target;      /* seconds per timed repetition */
    long min_iters;     /* lower bound on iterations per repetition */
    long max_iters;     /* upper bound on iterations per repetition */
    size_t max_size;    /* skip workloads whose message size exceeds this */
    const char *only;   /* comma-separated workload names, NULL for all */
    int rank;
    int size;
} bench_opts;

static void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--reps N] [--target-ms MS] [--min-iters N]"
            " [--max-iters N] [--max-size BYTES] [--only NAME[,NAME...]]\n",
            prog);
}

static void bench_init(int *argc, char ***argv, bench_opts *o)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &o->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &o->size);
    o->reps = 5;
    o->target = 0.02;
    o->min_iters = 5;
    o->max_iters = 100000000L;
    o->max_size = (size_t)-1;
    o->only = NULL;
    for (int i = 1; i < *argc; i++) {
        const char *a = (*argv)[i];
        const char *v = (i + 1 < *argc) ? (*argv)[i + 1] : NULL;
        if (v == NULL) {
            if (o->rank == 0) bench_usage((*argv)[0]);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        if (!strcmp(a, "--reps")) o->reps = atoi(v);
        else if (!strcmp(a, "--target-ms")) o->target = atof(v) / 1e3;
        else if (!strcmp(a, "--min-iters")) o->min_iters = atol(v);
        else if (!strcmp(a, "--max-iters")) o->max_iters = atol(v);
        else if (!strcmp(a, "--max-size")) o->max_size = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--only")) o->only = v;
        else {
            if (o->rank == 0) bench_usage((*argv)[0]);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        i++;
    }
    if (o->reps < 1) o->reps = 1;
    if (o->min_iters < 1) o->min_iters = 1;
    if (o->max_iters < o->min_iters) o->max_iters = o->min_iters;
}

/* Is workload `name` selected by --only (a comma-separated list)? */
static int bench_selected(const bench_opts *o, const char *name)
{
    if (o->only == NULL || o->only[0] == '\0') return 1;
    size_t len = strlen(name);
    const char *p = o->only;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0) return 1;
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Print a JSON string literal, escaping what JSON requires. */
static void bench_print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { putchar('\\'); putchar(c); }
        else if (c < 0x20) putchar(' ');
        else putchar(c);
    }
    putchar('"');
}

/* One metadata line describing the implementation and the MPI library. */
static void bench_print_meta(const bench_opts *o, const char *program)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    if (o->rank != 0) return;
    lib[len < MPI_MAX_LIBRARY_VERSION_STRING ? len : MPI_MAX_LIBRARY_VERSION_STRING - 1] = '\0';
    char *nl = strchr(lib, '\n');
    if (nl) *nl = '\0';
    printf("{\"meta\":true,\"impl\":\"c\",\"program\":");
    bench_print_json_string(program);
    printf(",\"library\":");
    bench_print_json_string(lib);
    printf(",\"np\":%d}\n", o->size);
    fflush(stdout);
}

/* Run `n` iterations after a barrier; return the slowest rank's time. */
static double bench_batch(bench_fn fn, void *ctx, long n)
{
    double t0, el, elmax;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    fn(ctx, n);
    el = MPI_Wtime() - t0;
    MPI_Allreduce(&el, &elmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return elmax;
}

static long bench_clamp(const bench_opts *o, double n)
{
    if (!(n >= 1.0)) return 1;
    if (n >= (double)o->max_iters) return o->max_iters;
    return (long)n;
}

/*
 * Time workload `fn`.  `units` is the number of units of work one iteration
 * performs (e.g. 2 messages for a ping-pong round trip); the reported time is
 * per unit.
 */
static void bench_run(const bench_opts *o, const char *name, size_t size,
                      const char *label, double units, bench_fn fn, void *ctx)
{
    /*
     * Warm-up and calibration.  Double the batch size until a batch takes a
     * quarter of the target; then run three confirmation batches, each sized
     * from the previous batch's per-iteration time, and take the median of
     * their per-iteration times, so that one preempted (or lucky) batch on a
     * noisy machine does not decide the iteration count.
     */
    long n = 1;
    double el;
    for (;;) {
        el = bench_batch(fn, ctx, n);
        if (el >= o->target / 4 || n >= o->max_iters) break;
        n = bench_clamp(o, 2.0 * (double)n);
    }
    double per = (el > 0 ? el : 1e-9) / (double)n;
    double conf[3];
    for (int k = 0; k < 3; k++) {
        n = bench_clamp(o, o->target / 4 / per + 1);
        el = bench_batch(fn, ctx, n);
        per = (el > 0 ? el : 1e-9) / (double)n;
        conf[k] = per;
    }
    qsort(conf, 3, sizeof(double), bench_cmp_double);
    long iters = bench_clamp(o, o->target / conf[1] + 0.5);
    if (iters < o->min_iters) iters = o->min_iters;

    double *t = (double *)malloc(sizeof(double) * (size_t)o->reps);
    for (int r = 0; r < o->reps; r++)
        t[r] = bench_batch(fn, ctx, iters) / (double)iters / units;
    qsort(t, (size_t)o->reps, sizeof(double), bench_cmp_double);
    double med = (o->reps % 2) ? t[o->reps / 2]
                               : 0.5 * (t[o->reps / 2 - 1] + t[o->reps / 2]);
    if (o->rank == 0) {
        printf("{\"bench\":\"%s\",\"api\":\"c\",\"size\":%zu,\"label\":",
               name, size);
        bench_print_json_string(label ? label : "");
        printf(",\"sec\":%.6e,\"min\":%.6e,\"iters\":%ld,\"reps\":%d}\n",
               med, t[0], iters, o->reps);
        fflush(stdout);
    }
    free(t);
}

static void *bench_alloc(size_t nbytes)
{
    void *p = malloc(nbytes ? nbytes : 1);
    if (p == NULL) {
        fprintf(stderr, "out of memory (%zu bytes)\n", nbytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(p, 1, nbytes ? nbytes : 1);
    return p;
}

#endif /* BENCH_HARNESS_H */
