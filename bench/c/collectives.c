/*
 * Collective latency on MPI_COMM_WORLD: Allreduce of one double (MPI_SUM),
 * Bcast of 1 KiB and 1 MiB (MPI_BYTE, root 0), Allgather and Alltoall of one
 * MPI_INT per rank, Barrier.  Reported time is per call (slowest rank).
 */
#include "harness.h"

typedef struct {
    void *sbuf, *rbuf;
    int count;
} coll_ctx;

static void allreduce(void *p, long n)
{
    coll_ctx *c = (coll_ctx *)p;
    for (long i = 0; i < n; i++)
        MPI_Allreduce(c->sbuf, c->rbuf, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static void bcast(void *p, long n)
{
    coll_ctx *c = (coll_ctx *)p;
    for (long i = 0; i < n; i++)
        MPI_Bcast(c->sbuf, c->count, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static void allgather(void *p, long n)
{
    coll_ctx *c = (coll_ctx *)p;
    for (long i = 0; i < n; i++)
        MPI_Allgather(c->sbuf, 1, MPI_INT, c->rbuf, 1, MPI_INT, MPI_COMM_WORLD);
}

static void alltoall(void *p, long n)
{
    coll_ctx *c = (coll_ctx *)p;
    for (long i = 0; i < n; i++)
        MPI_Alltoall(c->sbuf, 1, MPI_INT, c->rbuf, 1, MPI_INT, MPI_COMM_WORLD);
}

static void barrier(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
    bench_opts o;
    bench_init(&argc, &argv, &o);
    bench_print_meta(&o, "collectives");
    const size_t np = (size_t)o.size;

    if (bench_selected(&o, "allreduce") && sizeof(double) <= o.max_size) {
        double s = 1.0, r = 0.0;
        coll_ctx c = { &s, &r, 1 };
        bench_run(&o, "allreduce", sizeof(double), "", 1.0, allreduce, &c);
    }
    if (bench_selected(&o, "bcast")) {
        static const size_t sizes[] = { 1024, (size_t)1 << 20 };
        for (size_t k = 0; k < 2; k++) {
            if (sizes[k] > o.max_size) break;
            char *buf = (char *)bench_alloc(sizes[k]);
            coll_ctx c = { buf, NULL, (int)sizes[k] };
            bench_run(&o, "bcast", sizes[k], "", 1.0, bcast, &c);
            free(buf);
        }
    }
    if (bench_selected(&o, "allgather") && sizeof(int) <= o.max_size) {
        int *s = (int *)bench_alloc(sizeof(int));
        int *r = (int *)bench_alloc(sizeof(int) * np);
        coll_ctx c = { s, r, 1 };
        bench_run(&o, "allgather", sizeof(int), "", 1.0, allgather, &c);
        free(s);
        free(r);
    }
    if (bench_selected(&o, "alltoall") && sizeof(int) <= o.max_size) {
        int *s = (int *)bench_alloc(sizeof(int) * np);
        int *r = (int *)bench_alloc(sizeof(int) * np);
        coll_ctx c = { s, r, 1 };
        bench_run(&o, "alltoall", sizeof(int), "", 1.0, alltoall, &c);
        free(s);
        free(r);
    }
    if (bench_selected(&o, "barrier")) {
        coll_ctx c = { NULL, NULL, 0 };
        bench_run(&o, "barrier", 0, "", 1.0, barrier, &c);
    }
    MPI_Finalize();
    return 0;
}
