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

// Bind what every handle class has: construction from another handle of the
// family (or none), ==/!= by handle, hash, bool (not null), the `handle`
// property, and the null constant used by __init__.
// Every class of a family needs its own __init__ (nanobind does not inherit
// constructors): `Derived(obj)` copies the handle of any `Family` instance.
template <class Derived, class Family, class Class>
void bind_handle_init(Class& cls, typename Family::mpi_type null_value) {
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

template <class T, class Class>
void bind_handle_basics(Class& cls, typename T::mpi_type null_value) {
  bind_handle_init<T, T>(cls, null_value);
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

}  // namespace mpi4py
