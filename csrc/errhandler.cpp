// Error handlers: predefined constants, Free, and error handlers written in
// Python for communicators, windows, files and sessions.
//
#include <array>
#include <utility>

#include "kinds.hpp"

namespace mpi4py {

namespace {

// The MPI calls per kind (keyed by wrapper class: MPICH handles are all int).
template <class T>
struct Errh;

template <>
struct Errh<Comm> {
  using H = MPI_Comm;
  using Function = MPI_Comm_errhandler_function;
  static int get(H h, MPI_Errhandler* e) { return MPI_Comm_get_errhandler(h, e); }
  static int set(H h, MPI_Errhandler e) { return MPI_Comm_set_errhandler(h, e); }
  static int call(H h, int code) { return MPI_Comm_call_errhandler(h, code); }
  static int create(Function* f, MPI_Errhandler* e) { return MPI_Comm_create_errhandler(f, e); }
  static nb::object object(H h) { return callback_comm(h); }
};

template <>
struct Errh<Win> {
  using H = MPI_Win;
  using Function = MPI_Win_errhandler_function;
  static int get(H h, MPI_Errhandler* e) { return MPI_Win_get_errhandler(h, e); }
  static int set(H h, MPI_Errhandler e) { return MPI_Win_set_errhandler(h, e); }
  static int call(H h, int code) { return MPI_Win_call_errhandler(h, code); }
  static int create(Function* f, MPI_Errhandler* e) { return MPI_Win_create_errhandler(f, e); }
  static nb::object object(H h) { return wrap<Win>(h); }
};

template <>
struct Errh<File> {
  using H = MPI_File;
  using Function = MPI_File_errhandler_function;
  static int get(H h, MPI_Errhandler* e) { return MPI_File_get_errhandler(h, e); }
  static int set(H h, MPI_Errhandler e) { return MPI_File_set_errhandler(h, e); }
  static int call(H h, int code) { return MPI_File_call_errhandler(h, code); }
  static int create(Function* f, MPI_Errhandler* e) { return MPI_File_create_errhandler(f, e); }
  static nb::object object(H h) { return wrap<File>(h); }
};

#if MPI_VERSION >= 4
template <>
struct Errh<Session> {
  using H = MPI_Session;
  using Function = MPI_Session_errhandler_function;
  static int get(H h, MPI_Errhandler* e) { return MPI_Session_get_errhandler(h, e); }
  static int set(H h, MPI_Errhandler e) { return MPI_Session_set_errhandler(h, e); }
  static int call(H h, int code) { return MPI_Session_call_errhandler(h, code); }
  static int create(Function* f, MPI_Errhandler* e) { return MPI_Session_create_errhandler(f, e); }
  static nb::object object(H h) { return wrap<Session>(h); }
};
#endif

// MPI gives a user error handler no closure argument, and a handler may not
// query its own object (MPICH invokes it inside its critical section), so each
// Python handler gets its own C function: kSlots per kind, each calling the
// callable stored in its slot. Errhandler.Free marks the slot reusable, but a
// freed slot is reused only when no fresh one is left (objects may still use
// a freed handler until they are freed themselves).
constexpr int kSlots = 64;

struct Slot {
  nb::object function;    // null while the slot was never used
  std::intptr_t key = 0;  // the errhandler handle using it
  bool freed = false;
};

template <class T>
Slot* slots() {
  static auto* table = new Slot[kSlots];  // never destroyed (see attr.cpp)
  return table;
}

template <class T, int I>
void call_slot(typename Errh<T>::H obj, int code) {
  if (!python_alive()) return;
  nb::gil_scoped_acquire gil;
  nb::object function = slots<T>()[I].function;
  if (!function.is_valid() || function.is_none()) return;
  try {
    function(Errh<T>::object(obj), code);
  } catch (nb::python_error& error) {
    error.discard_as_unraisable(function);
  }
}

template <class T, int I>
void handler_entry(typename Errh<T>::H* obj, int* code, ...) {
  call_slot<T, I>(*obj, *code);
}

template <class T, int... I>
constexpr auto make_entries(std::integer_sequence<int, I...>) {
  using Entry = void (*)(typename Errh<T>::H*, int*, ...);
  return std::array<Entry, sizeof...(I)>{&handler_entry<T, I>...};
}

template <class T>
const auto& entries() {
  static constexpr auto table = make_entries<T>(std::make_integer_sequence<int, kSlots>());
  return table;
}

std::intptr_t errhandler_key(MPI_Errhandler handler) {
  Errhandler e;
  e.ob_mpi = handler;
  return e.as_int();
}

template <class T>
int claim_slot() {
  Slot* table = slots<T>();
  for (int i = 0; i < kSlots; ++i)
    if (!table[i].function.is_valid()) return i;
  for (int i = 0; i < kSlots; ++i)
    if (table[i].freed) return i;
  return -1;
}

// Errhandler.Free: the slot of a Python handler may be reused later.
template <class T>
void release_slot(std::intptr_t key) {
  Slot* table = slots<T>();
  for (int i = 0; i < kSlots; ++i)
    if (table[i].function.is_valid() && table[i].key == key) table[i].freed = true;
}

template <class T>
nb::object create_errhandler(nb::handle function) {
  if (!PyCallable_Check(function.ptr())) raise_type_error("the error handler must be callable");
  int slot = claim_slot<T>();
  if (slot < 0) raise(PyExc_RuntimeError, "too many error handlers written in Python");
  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  check(Errh<T>::create(entries<T>()[static_cast<size_t>(slot)], &handler));
  Slot& entry = slots<T>()[slot];
  entry.function = nb::borrow(function);
  entry.key = errhandler_key(handler);
  entry.freed = false;
  return wrap<Errhandler>(handler);
}

// Create_errhandler (classmethod) and Call_errhandler for a kind; with
// `accessors`, also Get_errhandler/Set_errhandler (Comm binds its own).
template <class T, class Class>
void bind_errhandler_methods(Class& cls, bool accessors) {
  def_classmethod(
      cls, "Create_errhandler",
      [](nb::handle, nb::handle function) { return create_errhandler<T>(function); },
      nb::arg("cls"), nb::arg("errhandler_fn"),
      "Create an error handler calling errhandler_fn(obj, errorcode).");
  cls.def(
      "Call_errhandler",
      [](const T& self, int errorcode) { check(Errh<T>::call(self.ob_mpi, errorcode)); },
      nb::arg("errorcode"), "Invoke the error handler of this object with an error code.");
  if (!accessors) return;
  cls.def(
      "Get_errhandler",
      [](const T& self) {
        MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
        check(Errh<T>::get(self.ob_mpi, &handler));
        return wrap<Errhandler>(handler);
      },
      "Return the error handler of this object (a new Errhandler to free).");
  cls.def(
      "Set_errhandler",
      [](const T& self, const Errhandler& handler) {
        check(Errh<T>::set(self.ob_mpi, handler.ob_mpi));
      },
      nb::arg("errhandler"), "Set the error handler of this object.");
}

void release_slots(std::intptr_t key) {
  release_slot<Comm>(key);
  release_slot<Win>(key);
  release_slot<File>(key);
#if MPI_VERSION >= 4
  release_slot<Session>(key);
#endif
}

// At exit (after MPI_Finalize, registered before it), drop the callables so
// their globals can go; handlers called later find an empty slot.
template <class T>
void clear_slots() {
  Slot* table = slots<T>();
  for (int i = 0; i < kSlots; ++i)
    if (table[i].function.is_valid()) table[i].function = nb::none();
}

void clear_all_slots() {
  clear_slots<Comm>();
  clear_slots<Win>();
  clear_slots<File>();
#if MPI_VERSION >= 4
  clear_slots<Session>();
#endif
}

}  // namespace

void bind_errhandler(nb::module_& m, Classes& c) {
  auto& cls = c.errhandler;
  bind_handle_basics<Errhandler>(cls, MPI_ERRHANDLER_NULL);
  cls.def(
      "Free",
      [](Errhandler& self) {
        // Module constants stay; other objects may hold a predefined handler
        // (from Get_errhandler) and release their reference like any other.
        if (self.predefined() || self.ob_mpi == MPI_ERRHANDLER_NULL) raise_mpi_error(MPI_ERR_ARG);
        std::intptr_t key = self.as_int();
        check(MPI_Errhandler_free(&self.ob_mpi));
        release_slots(key);
      },
      "Free an error handler.");
  m.attr("ERRHANDLER_NULL") = wrap<Errhandler>(MPI_ERRHANDLER_NULL, kPredefined);
  m.attr("ERRORS_RETURN") = wrap<Errhandler>(MPI_ERRORS_RETURN, kPredefined);
  m.attr("ERRORS_ARE_FATAL") = wrap<Errhandler>(MPI_ERRORS_ARE_FATAL, kPredefined);
#ifdef MPI_ERRORS_ABORT
  m.attr("ERRORS_ABORT") = wrap<Errhandler>(MPI_ERRORS_ABORT, kPredefined);
#else
  m.attr("ERRORS_ABORT") = wrap<Errhandler>(MPI_ERRORS_ARE_FATAL, kPredefined);
#endif

  nb::module_::import_("atexit").attr("register")(nb::cpp_function(&clear_all_slots));
  bind_errhandler_methods<Comm>(c.comm, false);
  bind_errhandler_methods<Win>(c.win, true);
  bind_errhandler_methods<File>(c.file, true);
#if MPI_VERSION >= 4
  bind_errhandler_methods<Session>(c.session, true);
#endif
}

}  // namespace mpi4py
