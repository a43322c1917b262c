// The one shape every MPI handle type shares in Python.
//
// A Python MPI object is a nanobind instance holding the raw MPI handle plus a
// few flags. Subclasses (Intracomm, Cartcomm, Prequest, ...) add no state, so a
// handle can be re-wrapped in any class of its family, including subclasses
// defined in Python.
#pragma once

#include <cstdint>
#include <type_traits>

#include "common.hpp"

namespace mpi4py {

enum HandleFlags : unsigned {
  kPredefined = 1u << 0,  // a library constant (COMM_WORLD, INT, SUM, ...): never freed
};

template <class MPIHandle>
struct Handle {
  using mpi_type = MPIHandle;
  MPIHandle ob_mpi;
  unsigned flags = 0;

  // Handles are ints in MPICH and pointers in Open MPI; this gives both as an integer.
  std::intptr_t as_int() const {
    if constexpr (std::is_pointer_v<MPIHandle>)
      return reinterpret_cast<std::intptr_t>(ob_mpi);
    else
      return static_cast<std::intptr_t>(ob_mpi);
  }
  bool predefined() const { return flags & kPredefined; }
};

// Allocate an instance of the Python type `type` (a bound handle class or a
// Python subclass of one) wrapping `value`. Used where upstream returns
// "an object of the same type as self".
template <class T>
nb::object wrap_as(nb::handle type, typename T::mpi_type value, unsigned flags = 0) {
  nb::object obj = nb::inst_alloc(type);
  T* self = nb::inst_ptr<T>(obj);
  new (self) T();
  self->ob_mpi = value;
  self->flags = flags;
  nb::inst_mark_ready(obj);
  return obj;
}

// Wrap `value` in the exact C++ class T.
template <class T>
nb::object wrap(typename T::mpi_type value, unsigned flags = 0) {
  return wrap_as<T>(nb::type<T>(), value, flags);
}

// True when the class `cls` itself (not one of its bases) defines `name`. Shared
// binders use it to bind each name once, whichever room gets there first.
// (Slot wrappers Python adds for the type's own slots, like __init__, do not count.)
inline bool defines(nb::handle cls, const char* name) {
  PyObject* dict = reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_dict;
  PyObject* item = dict != nullptr ? PyDict_GetItemString(dict, name) : nullptr;
  return item != nullptr && Py_TYPE(item) != &PyWrapperDescr_Type;
}

// Bind `func(cls, args...)` as a classmethod named `name` of `cls`: the first
// argument is the class it was called on, so Python subclasses get instances of
// their own type. Extra annotations (nb::arg, docstrings) describe the rest.
template <class Func, class... Extra>
void def_classmethod(nb::handle cls, const char* name, Func&& func, const Extra&... extra) {
  nb::object function = nb::cpp_function(std::forward<Func>(func), nb::name(name), extra...);
  nb::object method = nb::steal(PyClassMethod_New(function.ptr()));
  if (!method.is_valid()) throw nb::python_error();
  nb::setattr(cls, name, method);
}

[[noreturn]] void raise_self_type_error(nb::handle self, PyTypeObject* expected);

// Fast `self` access for hot methods (bind them with `nb::handle self`).
// nanobind's own conversion of a subclass instance -- COMM_WORLD is an Intracomm
// while most methods are bound on Comm -- compares std::type_info names and
// looks the type up in a hash map: ~240 instructions per call (callgrind). This
// is a pointer walk of the MRO.
template <class T>
T& unwrap(nb::handle self) {
  static PyTypeObject* const type = reinterpret_cast<PyTypeObject*>(nb::type<T>().ptr());
  if (!PyObject_TypeCheck(self.ptr(), type) || !nb::inst_ready(self)) [[unlikely]]
    raise_self_type_error(self, type);
  return *nb::inst_ptr<T>(self);
}

// Handles are ints in MPICH and pointers in Open MPI: convert an integer from
// Python (fromhandle) back into a handle of either kind.
template <class MPIHandle>
MPIHandle handle_from_int(std::intptr_t value) {
  if constexpr (std::is_pointer_v<MPIHandle>)
    return reinterpret_cast<MPIHandle>(value);
  else
    return static_cast<MPIHandle>(value);
}

// Bind what every handle class has: construction from another handle of the
// family (or none), ==/!= by handle, hash, bool (not null), the `handle`
// property, and the null constant used by __init__.
// Every class of a family needs its own __init__ (nanobind does not inherit
// constructors): `Derived(obj)` copies the handle of any `Family` instance.
// Both binders are idempotent: a class bound once is left alone afterwards.
template <class Derived, class Family, class Class>
void bind_handle_init(Class& cls, typename Family::mpi_type null_value) {
  if (defines(cls, "__init__")) return;
  cls.def(
      "__init__",
      [null_value](Derived* self, nb::handle other) {
        new (self) Derived();
        self->ob_mpi = null_value;
        if (!other.is_none()) {
          Family* source = nullptr;
          if (!nb::try_cast<Family*>(other, source) || source == nullptr)
            raise_type_error("expected an instance of the same MPI handle family or None");
          self->ob_mpi = source->ob_mpi;
        }
      },
      nb::arg("obj") = nb::none());
}

// ==/!= by handle, hash, bool (not null) and the `handle` property.
template <class T, class Class>
void bind_handle_compare(Class& cls, typename T::mpi_type null_value) {
  cls.def("__eq__", [](const T& self, nb::handle other) -> nb::object {
    T* rhs = nullptr;
    if (!nb::try_cast<T*>(other, rhs) || rhs == nullptr) return nb::borrow(Py_NotImplemented);
    return nb::bool_(self.ob_mpi == rhs->ob_mpi);
  });
  cls.def("__ne__", [](const T& self, nb::handle other) -> nb::object {
    T* rhs = nullptr;
    if (!nb::try_cast<T*>(other, rhs) || rhs == nullptr) return nb::borrow(Py_NotImplemented);
    return nb::bool_(self.ob_mpi != rhs->ob_mpi);
  });
  cls.def("__hash__", [](const T& self) { return static_cast<Py_ssize_t>(self.as_int()); });
  cls.def("__bool__", [null_value](const T& self) { return self.ob_mpi != null_value; });
  cls.def_prop_ro(
      "handle", [](const T& self) { return self.as_int(); }, "MPI handle as an integer.");
}

template <class T, class Class>
void bind_handle_basics(Class& cls, typename T::mpi_type null_value) {
  if (defines(cls, "handle")) return;
  bind_handle_init<T, T>(cls, null_value);
  bind_handle_compare<T>(cls, null_value);
}

}  // namespace mpi4py
