/*
 * Point-to-point latency: ping-pong between ranks 0 and 1 with blocking
 * MPI_Send / MPI_Recv of MPI_BYTE buffers, sizes 0 B and 1 B .. 4 MiB in
 * powers of 4.  Reported time is half a round trip (one message).
 * Ranks other than 0 and 1 only take part in the harness' barriers.
 */
#include "harness.h"

typedef struct {
    char *sbuf, *rbuf;
    int count;
    int rank;
} pp_ctx;

static void pingpong(void *p, long n)
{
    pp_ctx *c = (pp_ctx *)p;
    MPI_Comm comm = MPI_COMM_WORLD;
    if (c->rank == 0) {
        for (long i = 0; i < n; i++) {
            MPI_Send(c->sbuf, c->count, MPI_BYTE, 1, 0, comm);
            MPI_Recv(c->rbuf, c->count, MPI_BYTE, 1, 0, comm, MPI_STATUS_IGNORE);
        }
    } else if (c->rank == 1) {
        for (long i = 0; i < n; i++) {
            MPI_Recv(c->rbuf, c->count, MPI_BYTE, 0, 0, comm, MPI_STATUS_IGNORE);
            MPI_Send(c->sbuf, c->count, MPI_BYTE, 0, 0, comm);
        }
    }
}

int main(int argc, char **argv)
{
    bench_opts o;
    bench_init(&argc, &argv, &o);
    bench_print_meta(&o, "pingpong");
    if (o.size < 2) {
        if (o.rank == 0) fprintf(stderr, "pingpong needs at least 2 ranks\n");
        MPI_Finalize();
        return 0;
    }
    if (bench_selected(&o, "pingpong")) {
        const size_t maxsize = (size_t)4 << 20;
        char *sbuf = (char *)bench_alloc(maxsize);
        char *rbuf = (char *)bench_alloc(maxsize);
        for (size_t size = 0; size <= maxsize; size = size ? size * 4 : 1) {
            if (size > o.max_size) break;
            pp_ctx c = { sbuf, rbuf, (int)size, o.rank };
            bench_run(&o, "pingpong", size, "", 2.0, pingpong, &c);
        }
        free(sbuf);
        free(rbuf);
    }
    MPI_Finalize();
    return 0;
}
