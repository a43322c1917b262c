// Element counts beyond INT_MAX for the point-to-point routines.
//
// Every call site passes an MPI_Count and a generic lambda to with_count():
//   with_count(count, type, [&](auto n, MPI_Datatype t) { return lc::Send(buf, n, t, ...); });
// Counts that fit an int call the classic routine. Larger counts call the MPI-4
// `_c` routine where the library has it; otherwise they travel as one element of
// a contiguous derived datatype built for the call and freed after it (MPI lets
// a datatype be freed while a pending operation still uses it).
#pragma once

#include <climits>

#include "common.hpp"

namespace mpi4py {

#if MPI_VERSION >= 4
#define MPI4PY_HAVE_C_ROUTINES 1
#endif

// A derived datatype holding `count` elements of `type`, for libraries without
// the `_c` routines. Released when it goes out of scope.
class LargeType {
 public:
  LargeType() = default;
  LargeType(const LargeType&) = delete;
  LargeType& operator=(const LargeType&) = delete;
  ~LargeType() {
    if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
  }
  MPI_Datatype type() const { return type_; }

  int build(MPI_Count count, MPI_Datatype type) {
    const MPI_Count chunk = MPI_Count(1) << 30;
    const MPI_Count blocks = count / chunk;
    const MPI_Count rest = count % chunk;
    if (blocks > INT_MAX) return MPI_ERR_COUNT;
    MPI_Aint lb = 0, extent = 0;
    int ierr = MPI_Type_get_extent(type, &lb, &extent);
    if (ierr != MPI_SUCCESS) return ierr;
    MPI_Datatype block = MPI_DATATYPE_NULL, body = MPI_DATATYPE_NULL, tail = MPI_DATATYPE_NULL;
    ierr = MPI_Type_contiguous(static_cast<int>(chunk), type, &block);
    if (ierr == MPI_SUCCESS) ierr = MPI_Type_contiguous(static_cast<int>(blocks), block, &body);
    if (ierr == MPI_SUCCESS && rest > 0) {
      ierr = MPI_Type_contiguous(static_cast<int>(rest), type, &tail);
      if (ierr == MPI_SUCCESS) {
        int lengths[2] = {1, 1};
        MPI_Aint displs[2] = {0, static_cast<MPI_Aint>(blocks * chunk) * extent};
        MPI_Datatype types[2] = {body, tail};
        ierr = MPI_Type_create_struct(2, lengths, displs, types, &type_);
      }
    } else if (ierr == MPI_SUCCESS) {
      ierr = MPI_Type_dup(body, &type_);
    }
    if (ierr == MPI_SUCCESS) ierr = MPI_Type_commit(&type_);
    if (block != MPI_DATATYPE_NULL) MPI_Type_free(&block);
    if (body != MPI_DATATYPE_NULL) MPI_Type_free(&body);
    if (tail != MPI_DATATYPE_NULL) MPI_Type_free(&tail);
    return ierr;
  }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// Call `call(n, type)` with n an int when the count fits, else with a large count.
template <class Call>
inline int with_count(MPI_Count count, MPI_Datatype type, Call&& call) {
  if (count <= INT_MAX) [[likely]]
    return call(static_cast<int>(count), type);
#ifdef MPI4PY_HAVE_C_ROUTINES
  return call(count, type);
#else
  LargeType large;
  int ierr = large.build(count, type);
  if (ierr != MPI_SUCCESS) return ierr;
  return call(1, large.type());
#endif
}

// Two counts (send and receive sides of a sendrecv).
template <class Call>
inline int with_counts(MPI_Count scount, MPI_Datatype stype, MPI_Count rcount, MPI_Datatype rtype,
                       Call&& call) {
  return with_count(scount, stype, [&](auto sn, MPI_Datatype st) {
    return with_count(rcount, rtype,
                      [&](auto rn, MPI_Datatype rt) { return call(sn, st, rn, rt); });
  });
}

// Overloads by count type: int -> classic routine, MPI_Count -> `_c` routine.
namespace lc {

#define MPI4PY_SEND_LIKE(name)                                                      \
  inline int name(const void* b, int n, MPI_Datatype t, int d, int g, MPI_Comm c) { \
    return MPI_##name(b, n, t, d, g, c);                                            \
  }
#define MPI4PY_ISEND_LIKE(name)                                                   \
  inline int name(const void* b, int n, MPI_Datatype t, int d, int g, MPI_Comm c, \
                  MPI_Request* r) {                                               \
    return MPI_##name(b, n, t, d, g, c, r);                                       \
  }
#define MPI4PY_IRECV_LIKE(name)                                                               \
  inline int name(void* b, int n, MPI_Datatype t, int s, int g, MPI_Comm c, MPI_Request* r) { \
    return MPI_##name(b, n, t, s, g, c, r);                                                   \
  }
#ifdef MPI4PY_HAVE_C_ROUTINES
#define MPI4PY_IRECV_LIKE_C(name)                                                 \
  inline int name(void* b, MPI_Count n, MPI_Datatype t, int s, int g, MPI_Comm c, \
                  MPI_Request* r) {                                               \
    return MPI_##name##_c(b, n, t, s, g, c, r);                                   \
  }
#define MPI4PY_SEND_LIKE_C(name)                                                          \
  inline int name(const void* b, MPI_Count n, MPI_Datatype t, int d, int g, MPI_Comm c) { \
    return MPI_##name##_c(b, n, t, d, g, c);                                              \
  }
#define MPI4PY_ISEND_LIKE_C(name)                                                       \
  inline int name(const void* b, MPI_Count n, MPI_Datatype t, int d, int g, MPI_Comm c, \
                  MPI_Request* r) {                                                     \
    return MPI_##name##_c(b, n, t, d, g, c, r);                                         \
  }
#else
#define MPI4PY_IRECV_LIKE_C(name)
#define MPI4PY_SEND_LIKE_C(name)
#define MPI4PY_ISEND_LIKE_C(name)
#endif

MPI4PY_SEND_LIKE(Send)
MPI4PY_SEND_LIKE(Bsend)
MPI4PY_SEND_LIKE(Ssend)
MPI4PY_SEND_LIKE(Rsend)
MPI4PY_SEND_LIKE_C(Send)
MPI4PY_SEND_LIKE_C(Bsend)
MPI4PY_SEND_LIKE_C(Ssend)
MPI4PY_SEND_LIKE_C(Rsend)
MPI4PY_ISEND_LIKE(Isend)
MPI4PY_ISEND_LIKE(Ibsend)
MPI4PY_ISEND_LIKE(Issend)
MPI4PY_ISEND_LIKE(Irsend)
MPI4PY_ISEND_LIKE(Send_init)
MPI4PY_ISEND_LIKE(Bsend_init)
MPI4PY_ISEND_LIKE(Ssend_init)
MPI4PY_ISEND_LIKE(Rsend_init)
MPI4PY_ISEND_LIKE_C(Isend)
MPI4PY_ISEND_LIKE_C(Ibsend)
MPI4PY_ISEND_LIKE_C(Issend)
MPI4PY_ISEND_LIKE_C(Irsend)
MPI4PY_ISEND_LIKE_C(Send_init)
MPI4PY_ISEND_LIKE_C(Bsend_init)
MPI4PY_ISEND_LIKE_C(Ssend_init)
MPI4PY_ISEND_LIKE_C(Rsend_init)
MPI4PY_IRECV_LIKE(Irecv)
MPI4PY_IRECV_LIKE(Recv_init)
MPI4PY_IRECV_LIKE_C(Irecv)
MPI4PY_IRECV_LIKE_C(Recv_init)

#undef MPI4PY_SEND_LIKE
#undef MPI4PY_ISEND_LIKE
#undef MPI4PY_SEND_LIKE_C
#undef MPI4PY_ISEND_LIKE_C
#undef MPI4PY_IRECV_LIKE
#undef MPI4PY_IRECV_LIKE_C

inline int Recv(void* b, int n, MPI_Datatype t, int s, int g, MPI_Comm c, MPI_Status* st) {
  return MPI_Recv(b, n, t, s, g, c, st);
}
inline int Mrecv(void* b, int n, MPI_Datatype t, MPI_Message* m, MPI_Status* st) {
  return MPI_Mrecv(b, n, t, m, st);
}
inline int Imrecv(void* b, int n, MPI_Datatype t, MPI_Message* m, MPI_Request* r) {
  return MPI_Imrecv(b, n, t, m, r);
}
inline int Sendrecv_replace(void* b, int n, MPI_Datatype t, int d, int sg, int s, int rg,
                            MPI_Comm c, MPI_Status* st) {
  return MPI_Sendrecv_replace(b, n, t, d, sg, s, rg, c, st);
}
inline int Sendrecv(const void* sb, int sn, MPI_Datatype st, int d, int sg, void* rb, int rn,
                    MPI_Datatype rt, int s, int rg, MPI_Comm c, MPI_Status* status) {
  return MPI_Sendrecv(sb, sn, st, d, sg, rb, rn, rt, s, rg, c, status);
}
#ifdef MPI4PY_HAVE_C_ROUTINES
inline int Recv(void* b, MPI_Count n, MPI_Datatype t, int s, int g, MPI_Comm c, MPI_Status* st) {
  return MPI_Recv_c(b, n, t, s, g, c, st);
}
inline int Mrecv(void* b, MPI_Count n, MPI_Datatype t, MPI_Message* m, MPI_Status* st) {
  return MPI_Mrecv_c(b, n, t, m, st);
}
inline int Imrecv(void* b, MPI_Count n, MPI_Datatype t, MPI_Message* m, MPI_Request* r) {
  return MPI_Imrecv_c(b, n, t, m, r);
}
inline int Sendrecv_replace(void* b, MPI_Count n, MPI_Datatype t, int d, int sg, int s, int rg,
                            MPI_Comm c, MPI_Status* st) {
  return MPI_Sendrecv_replace_c(b, n, t, d, sg, s, rg, c, st);
}
// Any mix of int and MPI_Count goes to the `_c` routine.
template <class SN, class RN>
inline int Sendrecv(const void* sb, SN sn, MPI_Datatype st, int d, int sg, void* rb, RN rn,
                    MPI_Datatype rt, int s, int rg, MPI_Comm c, MPI_Status* status) {
  return MPI_Sendrecv_c(sb, MPI_Count(sn), st, d, sg, rb, MPI_Count(rn), rt, s, rg, c, status);
}
// MPI-4 nonblocking sendrecv exists only with the `_c` generation.
inline int Isendrecv(const void* sb, int sn, MPI_Datatype st, int d, int sg, void* rb, int rn,
                     MPI_Datatype rt, int s, int rg, MPI_Comm c, MPI_Request* r) {
  return MPI_Isendrecv(sb, sn, st, d, sg, rb, rn, rt, s, rg, c, r);
}
template <class SN, class RN>
inline int Isendrecv(const void* sb, SN sn, MPI_Datatype st, int d, int sg, void* rb, RN rn,
                     MPI_Datatype rt, int s, int rg, MPI_Comm c, MPI_Request* r) {
  return MPI_Isendrecv_c(sb, MPI_Count(sn), st, d, sg, rb, MPI_Count(rn), rt, s, rg, c, r);
}
inline int Isendrecv_replace(void* b, int n, MPI_Datatype t, int d, int sg, int s, int rg,
                             MPI_Comm c, MPI_Request* r) {
  return MPI_Isendrecv_replace(b, n, t, d, sg, s, rg, c, r);
}
inline int Isendrecv_replace(void* b, MPI_Count n, MPI_Datatype t, int d, int sg, int s, int rg,
                             MPI_Comm c, MPI_Request* r) {
  return MPI_Isendrecv_replace_c(b, n, t, d, sg, s, rg, c, r);
}
#endif

}  // namespace lc

}  // namespace mpi4py
