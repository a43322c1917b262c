/*
 * Point-to-point streaming bandwidth: rank 0 posts a window of nonblocking
 * sends (MPI_Isend, all from one buffer) to rank 1, which posts matching
 * MPI_Irecv into WINDOW distinct buffers; both wait for all (MPI_Waitall), then rank 1 answers with a
 * zero-byte acknowledgement.  Reported time is per message (window / W), so
 * bandwidth is size / time.
 */
#include "harness.h"

/* MPI_STATUSES_IGNORE trips a false positive of GCC's -Wstringop-overflow. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#define WINDOW 16

typedef struct {
    char *sbuf, *ack;
    char *rbuf[WINDOW];
    int count;
    int rank;
} bw_ctx;

static void bandwidth(void *p, long n)
{
    bw_ctx *c = (bw_ctx *)p;
    MPI_Comm comm = MPI_COMM_WORLD;
    MPI_Request req[WINDOW];
    if (c->rank == 0) {
        for (long i = 0; i < n; i++) {
            for (int w = 0; w < WINDOW; w++)
                MPI_Isend(c->sbuf, c->count, MPI_BYTE, 1, 1, comm, &req[w]);
            MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
            MPI_Recv(c->ack, 0, MPI_BYTE, 1, 2, comm, MPI_STATUS_IGNORE);
        }
    } else if (c->rank == 1) {
        for (long i = 0; i < n; i++) {
            for (int w = 0; w < WINDOW; w++)
                MPI_Irecv(c->rbuf[w], c->count, MPI_BYTE, 0, 1, comm, &req[w]);
            MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
            MPI_Send(c->ack, 0, MPI_BYTE, 0, 2, comm);
        }
    }
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = { 4096, 65536, (size_t)1 << 20, (size_t)4 << 20 };
    bench_opts o;
    bench_init(&argc, &argv, &o);
    bench_print_meta(&o, "bandwidth");
    if (o.size < 2) {
        if (o.rank == 0) fprintf(stderr, "bandwidth needs at least 2 ranks\n");
        MPI_Finalize();
        return 0;
    }
    if (bench_selected(&o, "bw")) {
        char ack[1];
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            size_t size = sizes[k];
            if (size > o.max_size) break;
            bw_ctx c;
            c.sbuf = (char *)bench_alloc(size);
            c.ack = ack;
            for (int w = 0; w < WINDOW; w++) c.rbuf[w] = (char *)bench_alloc(size);
            c.count = (int)size;
            c.rank = o.rank;
            bench_run(&o, "bw", size, "", (double)WINDOW, bandwidth, &c);
            free(c.sbuf);
            for (int w = 0; w < WINDOW; w++) free(c.rbuf[w]);
        }
    }
    MPI_Finalize();
    return 0;
}
