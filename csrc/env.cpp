// MPI environment: initialization and finalization (automatic, governed by
// mpi4py.rc, or explicit), thread support, versions, timers.
#include "env.hpp"

#include <string>

#include "types.hpp"

namespace mpi4py {

namespace {

// Whether this module initialized MPI itself: rc.finalize=None finalizes only then.
bool initialized_here = false;
// rc.finalize as read at import: -1 means None (finalize only if initialized here).
int finalize_policy = -1;
// rc.errors as read at import; applied again when Init/Init_thread is explicit.
std::string error_policy = "exception";

int thread_level_from_name(const std::string& name) {
  if (name == "single") return MPI_THREAD_SINGLE;
  if (name == "funneled") return MPI_THREAD_FUNNELED;
  if (name == "serialized") return MPI_THREAD_SERIALIZED;
  if (name == "multiple") return MPI_THREAD_MULTIPLE;
  raise_value_error("mpi4py.rc.thread_level must be single, funneled, serialized or multiple");
}

// Apply rc.errors to the predefined communicators.
void apply_error_policy(const std::string& policy) {
  MPI_Errhandler handler;
  if (policy == "exception") {
    handler = MPI_ERRORS_RETURN;
  } else if (policy == "abort") {
#ifdef MPI_ERRORS_ABORT
    handler = MPI_ERRORS_ABORT;
#else
    handler = MPI_ERRORS_ARE_FATAL;
#endif
  } else if (policy == "fatal") {
    handler = MPI_ERRORS_ARE_FATAL;
  } else if (policy == "default") {
    return;
  } else {
    raise_value_error("mpi4py.rc.errors must be exception, default, abort or fatal");
  }
  MPI_Comm_set_errhandler(MPI_COMM_SELF, handler);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, handler);
}

int init_thread(int required) {
  int provided = MPI_THREAD_SINGLE;
  check(MPI_Init_thread(nullptr, nullptr, required, &provided));
  initialized_here = true;
  return provided;
}

void finalize_at_exit() {
  if (!mpi_active()) return;
  bool finalize = finalize_policy == -1 ? initialized_here : finalize_policy == 1;
  if (finalize) MPI_Finalize();
}

}  // namespace

bool mpi_active() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

void initialize_from_rc(nb::module_& m) {
  nb::module_ package = nb::module_::import_("mpi4py");
  nb::object rc = package.attr("rc");
  package.attr("_rc_from_env")(rc);  // MPI4PY_RC_* variables take precedence
  error_policy = nb::cast<std::string>(rc.attr("errors"));
  nb::object finalize = rc.attr("finalize");
  finalize_policy = finalize.is_none() ? -1 : (nb::cast<bool>(finalize) ? 1 : 0);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized && nb::cast<bool>(rc.attr("initialize"))) {
    int required = MPI_THREAD_SINGLE;
    if (nb::cast<bool>(rc.attr("threads")))
      required = thread_level_from_name(nb::cast<std::string>(rc.attr("thread_level")));
    init_thread(required);
    apply_error_policy(error_policy);
  } else if (initialized) {
    apply_error_policy(error_policy);
  }
  // Python's atexit hooks run before interpreter teardown, while objects that
  // may still free MPI handles are alive: finalize there, last.
  nb::module_::import_("atexit").attr("register")(nb::cpp_function(&finalize_at_exit));
  (void)m;
}

void bind_env(nb::module_& m) {
  m.def(
      "Init",
      [] {
        check(MPI_Init(nullptr, nullptr));
        initialized_here = true;
        apply_error_policy(error_policy);
      },
      "Initialize the MPI execution environment.");
  m.def(
      "Init_thread",
      [](int required) {
        int provided = init_thread(required);
        apply_error_policy(error_policy);
        return provided;
      },
      nb::arg("required") = int(MPI_THREAD_MULTIPLE),
      "Initialize the MPI execution environment with a thread support level.");
  m.def(
      "Finalize", [] { check(MPI_Finalize()); }, "Terminate the MPI execution environment.");
  m.def(
      "Is_initialized",
      [] {
        int flag = 0;
        check(MPI_Initialized(&flag));
        return bool(flag);
      },
      "Indicate whether Init has been called.");
  m.def(
      "Is_finalized",
      [] {
        int flag = 0;
        check(MPI_Finalized(&flag));
        return bool(flag);
      },
      "Indicate whether Finalize has completed.");
  m.def(
      "Query_thread",
      [] {
        int provided = 0;
        check(MPI_Query_thread(&provided));
        return provided;
      },
      "Return the level of thread support provided by the MPI library.");
  m.def(
      "Is_thread_main",
      [] {
        int flag = 0;
        check(MPI_Is_thread_main(&flag));
        return bool(flag);
      },
      "Indicate whether this thread called Init or Init_thread.");
  m.def(
      "Get_version",
      [] {
        int version = 0, subversion = 0;
        check(MPI_Get_version(&version, &subversion));
        return std::make_pair(version, subversion);
      },
      "Obtain the version number of the MPI standard supported by the library.");
  m.def(
      "Get_library_version",
      [] {
        char text[MPI_MAX_LIBRARY_VERSION_STRING + 1] = {0};
        int length = 0;
        check(MPI_Get_library_version(text, &length));
        return std::string(text, static_cast<size_t>(length));
      },
      "Obtain the version string of the MPI library.");
  m.def(
      "Get_processor_name",
      [] {
        char name[MPI_MAX_PROCESSOR_NAME + 1] = {0};
        int length = 0;
        check(MPI_Get_processor_name(name, &length));
        return std::string(name, static_cast<size_t>(length));
      },
      "Obtain the name of the calling processor.");
  m.def("Wtime", &MPI_Wtime, "Return an elapsed time on the calling processor.");
  m.def("Wtick", &MPI_Wtick, "Return the resolution of Wtime.");
  m.def(
      "Pcontrol", [](int level) { check(MPI_Pcontrol(level)); }, nb::arg("level"),
      "Control profiling.");

  m.attr("THREAD_SINGLE") = int(MPI_THREAD_SINGLE);
  m.attr("THREAD_FUNNELED") = int(MPI_THREAD_FUNNELED);
  m.attr("THREAD_SERIALIZED") = int(MPI_THREAD_SERIALIZED);
  m.attr("THREAD_MULTIPLE") = int(MPI_THREAD_MULTIPLE);
  m.attr("VERSION") = int(MPI_VERSION);
  m.attr("SUBVERSION") = int(MPI_SUBVERSION);
  m.attr("MAX_PROCESSOR_NAME") = int(MPI_MAX_PROCESSOR_NAME);
  m.attr("MAX_ERROR_STRING") = int(MPI_MAX_ERROR_STRING);
  m.attr("MAX_PORT_NAME") = int(MPI_MAX_PORT_NAME);
  m.attr("MAX_INFO_KEY") = int(MPI_MAX_INFO_KEY);
  m.attr("MAX_INFO_VAL") = int(MPI_MAX_INFO_VAL);
  m.attr("MAX_OBJECT_NAME") = int(MPI_MAX_OBJECT_NAME);
  m.attr("MAX_DATAREP_STRING") = int(MPI_MAX_DATAREP_STRING);
  m.attr("MAX_LIBRARY_VERSION_STRING") = int(MPI_MAX_LIBRARY_VERSION_STRING);
#if MPI_VERSION >= 4
  m.attr("MAX_PSET_NAME_LEN") = int(MPI_MAX_PSET_NAME_LEN);
  m.attr("MAX_STRINGTAG_LEN") = int(MPI_MAX_STRINGTAG_LEN);
#else
  m.attr("MAX_PSET_NAME_LEN") = 1;  // a library without sessions has no pset names
  m.attr("MAX_STRINGTAG_LEN") = 1;
#endif

  m.attr("UNDEFINED") = int(MPI_UNDEFINED);
  m.attr("ANY_SOURCE") = int(MPI_ANY_SOURCE);
  m.attr("ANY_TAG") = int(MPI_ANY_TAG);
  m.attr("PROC_NULL") = int(MPI_PROC_NULL);
  m.attr("ROOT") = int(MPI_ROOT);
  m.attr("KEYVAL_INVALID") = int(MPI_KEYVAL_INVALID);
  m.attr("TAG_UB") = int(MPI_TAG_UB);
  m.attr("HOST") = int(MPI_HOST);
  m.attr("IO") = int(MPI_IO);
  m.attr("WTIME_IS_GLOBAL") = int(MPI_WTIME_IS_GLOBAL);
  m.attr("UNIVERSE_SIZE") = int(MPI_UNIVERSE_SIZE);
  m.attr("APPNUM") = int(MPI_APPNUM);
  m.attr("LASTUSEDCODE") = int(MPI_LASTUSEDCODE);
  m.attr("IDENT") = int(MPI_IDENT);
  m.attr("CONGRUENT") = int(MPI_CONGRUENT);
  m.attr("SIMILAR") = int(MPI_SIMILAR);
  m.attr("UNEQUAL") = int(MPI_UNEQUAL);
  m.attr("CART") = int(MPI_CART);
  m.attr("GRAPH") = int(MPI_GRAPH);
  m.attr("DIST_GRAPH") = int(MPI_DIST_GRAPH);
  m.attr("COMM_TYPE_SHARED") = int(MPI_COMM_TYPE_SHARED);
  // Split types a library lacks are UNDEFINED: splitting by them gives COMM_NULL.
#if MPI_VERSION >= 4
  m.attr("COMM_TYPE_HW_GUIDED") = int(MPI_COMM_TYPE_HW_GUIDED);
  m.attr("COMM_TYPE_HW_UNGUIDED") = int(MPI_COMM_TYPE_HW_UNGUIDED);
#else
  m.attr("COMM_TYPE_HW_GUIDED") = int(MPI_UNDEFINED);
  m.attr("COMM_TYPE_HW_UNGUIDED") = int(MPI_UNDEFINED);
#endif
#ifdef MPI_COMM_TYPE_RESOURCE_GUIDED
  m.attr("COMM_TYPE_RESOURCE_GUIDED") = int(MPI_COMM_TYPE_RESOURCE_GUIDED);
#else
  m.attr("COMM_TYPE_RESOURCE_GUIDED") = int(MPI_UNDEFINED);
#endif
}

}  // namespace mpi4py
