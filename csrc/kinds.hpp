// Facts about each MPI handle kind that generic code needs: the null handle,
// Fortran conversion, how to free one, and which handles the library owns.
// Specialized per wrapper class (not per MPI type: in MPICH every handle type
// is an int, so the MPI types alone cannot tell the kinds apart).
#pragma once

#include "types.hpp"

namespace mpi4py {

template <class T>
struct Kind;

template <>
struct Kind<Comm> {
  static constexpr const char* name = "Comm";
  static constexpr int error_class = MPI_ERR_COMM;
  static MPI_Comm null() { return MPI_COMM_NULL; }
  static MPI_Fint c2f(MPI_Comm h) { return MPI_Comm_c2f(h); }
  static MPI_Comm f2c(MPI_Fint f) { return MPI_Comm_f2c(f); }
  static int free(MPI_Comm* h) { return MPI_Comm_free(h); }
  static bool builtin(MPI_Comm h) {
    return h == MPI_COMM_NULL || h == MPI_COMM_WORLD || h == MPI_COMM_SELF;
  }
};

template <>
struct Kind<Group> {
  static constexpr const char* name = "Group";
  static constexpr int error_class = MPI_ERR_GROUP;
  static MPI_Group null() { return MPI_GROUP_NULL; }
  static MPI_Fint c2f(MPI_Group h) { return MPI_Group_c2f(h); }
  static MPI_Group f2c(MPI_Fint f) { return MPI_Group_f2c(f); }
  static int free(MPI_Group* h) { return MPI_Group_free(h); }
  static bool builtin(MPI_Group h) { return h == MPI_GROUP_NULL || h == MPI_GROUP_EMPTY; }
};

template <>
struct Kind<Datatype> {
  static constexpr const char* name = "Datatype";
  static constexpr int error_class = MPI_ERR_TYPE;
  static MPI_Datatype null() { return MPI_DATATYPE_NULL; }
  static MPI_Fint c2f(MPI_Datatype h) { return MPI_Type_c2f(h); }
  static MPI_Datatype f2c(MPI_Fint f) { return MPI_Type_f2c(f); }
  static int free(MPI_Datatype* h) { return MPI_Type_free(h); }
  static bool builtin(MPI_Datatype h) {
    if (h == MPI_DATATYPE_NULL) return true;
    int ni = 0, na = 0, nd = 0, combiner = MPI_UNDEFINED;
    if (MPI_Type_get_envelope(h, &ni, &na, &nd, &combiner) != MPI_SUCCESS) return false;
    return combiner == MPI_COMBINER_NAMED;
  }
};

template <>
struct Kind<Op> {
  static constexpr const char* name = "Op";
  static constexpr int error_class = MPI_ERR_OP;
  static MPI_Op null() { return MPI_OP_NULL; }
  static MPI_Fint c2f(MPI_Op h) { return MPI_Op_c2f(h); }
  static MPI_Op f2c(MPI_Fint f) { return MPI_Op_f2c(f); }
  static int free(MPI_Op* h) { return MPI_Op_free(h); }
  static bool builtin(MPI_Op h) {
    const MPI_Op ops[] = {MPI_OP_NULL, MPI_MAX,    MPI_MIN,    MPI_SUM,     MPI_PROD,
                          MPI_LAND,    MPI_BAND,   MPI_LOR,    MPI_BOR,     MPI_LXOR,
                          MPI_BXOR,    MPI_MAXLOC, MPI_MINLOC, MPI_REPLACE, MPI_NO_OP};
    for (MPI_Op op : ops)
      if (h == op) return true;
    return false;
  }
};

template <>
struct Kind<Info> {
  static constexpr const char* name = "Info";
  static constexpr int error_class = MPI_ERR_INFO;
  static MPI_Info null() { return MPI_INFO_NULL; }
  static MPI_Fint c2f(MPI_Info h) { return MPI_Info_c2f(h); }
  static MPI_Info f2c(MPI_Fint f) { return MPI_Info_f2c(f); }
  static int free(MPI_Info* h) { return MPI_Info_free(h); }
  static bool builtin(MPI_Info h) { return h == MPI_INFO_NULL || h == MPI_INFO_ENV; }
};

template <>
struct Kind<Errhandler> {
  static constexpr const char* name = "Errhandler";
  static constexpr int error_class = MPI_ERR_ARG;
  static MPI_Errhandler null() { return MPI_ERRHANDLER_NULL; }
  static MPI_Fint c2f(MPI_Errhandler h) { return MPI_Errhandler_c2f(h); }
  static MPI_Errhandler f2c(MPI_Fint f) { return MPI_Errhandler_f2c(f); }
  static int free(MPI_Errhandler* h) { return MPI_Errhandler_free(h); }
  static bool builtin(MPI_Errhandler h) {
#ifdef MPI_ERRORS_ABORT
    if (h == MPI_ERRORS_ABORT) return true;
#endif
    return h == MPI_ERRHANDLER_NULL || h == MPI_ERRORS_RETURN || h == MPI_ERRORS_ARE_FATAL;
  }
};

template <>
struct Kind<Request> {
  static constexpr const char* name = "Request";
  static constexpr int error_class = MPI_ERR_REQUEST;
  static MPI_Request null() { return MPI_REQUEST_NULL; }
  static MPI_Fint c2f(MPI_Request h) { return MPI_Request_c2f(h); }
  static MPI_Request f2c(MPI_Fint f) { return MPI_Request_f2c(f); }
  static int free(MPI_Request* h) { return MPI_Request_free(h); }
  static bool builtin(MPI_Request h) { return h == MPI_REQUEST_NULL; }
};

template <>
struct Kind<Message> {
  static constexpr const char* name = "Message";
  static constexpr int error_class = MPI_ERR_REQUEST;
  static MPI_Message null() { return MPI_MESSAGE_NULL; }
  static MPI_Fint c2f(MPI_Message h) { return MPI_Message_c2f(h); }
  static MPI_Message f2c(MPI_Fint f) { return MPI_Message_f2c(f); }
  // A matched message is consumed by receiving it; there is nothing to free.
  static int free(MPI_Message*) { return MPI_SUCCESS; }
  static bool builtin(MPI_Message h) { return h == MPI_MESSAGE_NULL || h == MPI_MESSAGE_NO_PROC; }
};

template <>
struct Kind<Win> {
  static constexpr const char* name = "Win";
  static constexpr int error_class = MPI_ERR_WIN;
  static MPI_Win null() { return MPI_WIN_NULL; }
  static MPI_Fint c2f(MPI_Win h) { return MPI_Win_c2f(h); }
  static MPI_Win f2c(MPI_Fint f) { return MPI_Win_f2c(f); }
  static int free(MPI_Win* h) { return MPI_Win_free(h); }
  static bool builtin(MPI_Win h) { return h == MPI_WIN_NULL; }
};

template <>
struct Kind<File> {
  static constexpr const char* name = "File";
  static constexpr int error_class = MPI_ERR_FILE;
  static MPI_File null() { return MPI_FILE_NULL; }
  static MPI_Fint c2f(MPI_File h) { return MPI_File_c2f(h); }
  static MPI_File f2c(MPI_Fint f) { return MPI_File_f2c(f); }
  static int free(MPI_File* h) { return MPI_File_close(h); }
  static bool builtin(MPI_File h) { return h == MPI_FILE_NULL; }
};

#if MPI_VERSION >= 4
template <>
struct Kind<Session> {
  static constexpr const char* name = "Session";
  static constexpr int error_class = MPI_ERR_SESSION;
  static MPI_Session null() { return MPI_SESSION_NULL; }
  static MPI_Fint c2f(MPI_Session h) { return MPI_Session_c2f(h); }
  static MPI_Session f2c(MPI_Fint f) { return MPI_Session_f2c(f); }
  static int free(MPI_Session* h) { return MPI_Session_finalize(h); }
  static bool builtin(MPI_Session h) { return h == MPI_SESSION_NULL; }
};
#endif

// A handle the library owns (a named constant or null), or one this module
// marked as a constant: Free() on it raises, free() leaves it alone.
template <class T>
bool is_builtin(const T& self) {
  return self.predefined() || Kind<T>::builtin(self.ob_mpi);
}

// Call `visit(tag<T>)` once per handle kind, in a fixed order.
template <class T>
struct KindTag {
  using type = T;
};

template <class Visit>
void for_each_kind(Visit&& visit) {
  visit(KindTag<Datatype>{});
  visit(KindTag<Request>{});
  visit(KindTag<Message>{});
  visit(KindTag<Op>{});
  visit(KindTag<Group>{});
  visit(KindTag<Info>{});
  visit(KindTag<Errhandler>{});
#if MPI_VERSION >= 4
  visit(KindTag<Session>{});
#endif
  visit(KindTag<Comm>{});
  visit(KindTag<Win>{});
  visit(KindTag<File>{});
}

// Whether MPI may still call into Python (callbacks run during MPI calls, and
// MPI_Finalize may run them late): not once the interpreter is shutting down.
inline bool python_alive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

// The communicator object handed to Python callbacks (attribute copy/delete,
// error handlers): Intracomm or Intercomm, Comm for COMM_NULL; never raises.
inline nb::object callback_comm(MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return wrap<Comm>(comm);
  int inter = 0;
  if (MPI_Comm_test_inter(comm, &inter) != MPI_SUCCESS) inter = 0;
  return inter ? wrap<Intercomm>(comm) : wrap<Intracomm>(comm);
}

// The new communicator objects of creation calls: Intercomm or Intracomm as the
// library reports, the plain Comm class for COMM_NULL.
nb::object wrap_new_comm(MPI_Comm comm);

}  // namespace mpi4py
