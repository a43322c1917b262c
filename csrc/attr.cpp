// Attribute caching on communicators, datatypes and windows: keyvals whose
// values are Python objects (or plain integers with nopython=True).
//
// A Python attribute value is stored as a PyObject* holding one reference,
// released by the delete callback MPI calls on Delete_attr, on replacement,
// and when the object is freed. Each keyval's state (its Python callbacks) is
// counted: one count for the keyval, one per attribute stored under it, so it
// outlives Free_keyval while attributes remain.
#include <unordered_map>
#include <unordered_set>

#include "kinds.hpp"

namespace mpi4py {

namespace {

struct Keyval {
  nb::object copy_fn;    // None/False: not copied; True: shared; callable: its result
  nb::object delete_fn;  // None or callable
  bool nopython = false;
  bool freed = false;
  int keyval = MPI_KEYVAL_INVALID;
  long refs = 1;
};

// The MPI calls per object kind. Handle types coincide in MPICH (all int), so
// these are keyed by the wrapper class.
template <class T>
struct Attr;

template <>
struct Attr<Comm> {
  using H = MPI_Comm;
  static constexpr const char* kind = "Comm";
  static int create(Keyval* kv, int* keyval);
  static int free_keyval(int* keyval) { return MPI_Comm_free_keyval(keyval); }
  static int set(H h, int keyval, void* value) { return MPI_Comm_set_attr(h, keyval, value); }
  static int get(H h, int keyval, void* value, int* flag) {
    return MPI_Comm_get_attr(h, keyval, value, flag);
  }
  static int remove(H h, int keyval) { return MPI_Comm_delete_attr(h, keyval); }
  static nb::object object(H h) { return callback_comm(h); }
  // Predefined attributes: the value points to an int.
  static bool predefined_int(int keyval) {
    return keyval == MPI_TAG_UB || keyval == MPI_HOST || keyval == MPI_IO ||
           keyval == MPI_WTIME_IS_GLOBAL || keyval == MPI_UNIVERSE_SIZE || keyval == MPI_APPNUM ||
           keyval == MPI_LASTUSEDCODE;
  }
  static bool predefined_aint(int) { return false; }
  static bool predefined_addr(int) { return false; }
};

template <>
struct Attr<Datatype> {
  using H = MPI_Datatype;
  static constexpr const char* kind = "Datatype";
  static int create(Keyval* kv, int* keyval);
  static int free_keyval(int* keyval) { return MPI_Type_free_keyval(keyval); }
  static int set(H h, int keyval, void* value) { return MPI_Type_set_attr(h, keyval, value); }
  static int get(H h, int keyval, void* value, int* flag) {
    return MPI_Type_get_attr(h, keyval, value, flag);
  }
  static int remove(H h, int keyval) { return MPI_Type_delete_attr(h, keyval); }
  static nb::object object(H h) { return wrap<Datatype>(h); }
  static bool predefined_int(int) { return false; }
  static bool predefined_aint(int) { return false; }
  static bool predefined_addr(int) { return false; }
};

template <>
struct Attr<Win> {
  using H = MPI_Win;
  static constexpr const char* kind = "Win";
  static int create(Keyval* kv, int* keyval);
  static int free_keyval(int* keyval) { return MPI_Win_free_keyval(keyval); }
  static int set(H h, int keyval, void* value) { return MPI_Win_set_attr(h, keyval, value); }
  static int get(H h, int keyval, void* value, int* flag) {
    return MPI_Win_get_attr(h, keyval, value, flag);
  }
  static int remove(H h, int keyval) { return MPI_Win_delete_attr(h, keyval); }
  static nb::object object(H h) { return wrap<Win>(h); }
  static bool predefined_int(int keyval) {
    return keyval == MPI_WIN_DISP_UNIT || keyval == MPI_WIN_CREATE_FLAVOR ||
           keyval == MPI_WIN_MODEL;
  }
  static bool predefined_aint(int keyval) { return keyval == MPI_WIN_SIZE; }
  static bool predefined_addr(int keyval) { return keyval == MPI_WIN_BASE; }
};

// Keyvals this module created, per kind. Never destroyed: MPI may run delete
// callbacks during finalization, after static destructors would have run.
template <class T>
std::unordered_map<int, Keyval*>& registry() {
  static auto* table = new std::unordered_map<int, Keyval*>();
  return *table;
}

// Keyvals this module created and MPI has freed: using one again is an error
// raised here, before MPI sees a stale keyval. Forgotten when MPI reuses it.
template <class T>
std::unordered_set<int>& freed_keyvals() {
  static auto* table = new std::unordered_set<int>();
  return *table;
}

template <class T>
void check_not_freed(int keyval) {
  if (freed_keyvals<T>().count(keyval)) raise_mpi_error(MPI_ERR_KEYVAL);
}

template <class T>
Keyval* find_keyval(int keyval) {
  auto& table = registry<T>();
  auto it = table.find(keyval);
  return it == table.end() ? nullptr : it->second;
}

// Drop one count; the last one forgets the keyval. Needs the GIL.
template <class T>
void release(Keyval* kv) {
  if (--kv->refs > 0) return;
  auto& table = registry<T>();
  auto it = table.find(kv->keyval);
  if (it != table.end() && it->second == kv) table.erase(it);
  if (kv->freed) freed_keyvals<T>().insert(kv->keyval);
  delete kv;
}

nb::object as_value(const Keyval* kv, void* value) {
  if (kv->nopython) return nb::int_(reinterpret_cast<std::intptr_t>(value));
  return nb::borrow(static_cast<PyObject*>(value));
}

template <class T>
int copy_attr(typename Attr<T>::H old, int keyval, void* extra_state, void* value_in,
              void* value_out, int* flag) {
  *flag = 0;
  auto* kv = static_cast<Keyval*>(extra_state);
  if (!python_alive()) return MPI_SUCCESS;
  nb::gil_scoped_acquire gil;
  try {
    nb::handle fn = kv->copy_fn;
    if (fn.is_none() || fn.is(Py_False)) return MPI_SUCCESS;
    nb::object result;
    if (fn.is(Py_True))
      result = as_value(kv, value_in);
    else
      result = fn(Attr<T>::object(old), keyval, as_value(kv, value_in));
    if (result.is(Py_NotImplemented)) return MPI_SUCCESS;
    void* copy = nullptr;
    if (kv->nopython)
      copy = reinterpret_cast<void*>(nb::cast<std::intptr_t>(result));
    else
      copy = result.release().ptr();
    *static_cast<void**>(value_out) = copy;
    *flag = 1;
    ++kv->refs;
    return MPI_SUCCESS;
  } catch (nb::python_error& error) {
    error.discard_as_unraisable("copying an MPI attribute");
  } catch (const std::exception& error) {
    PyErr_SetString(PyExc_TypeError, error.what());
    PyErr_WriteUnraisable(kv->copy_fn.ptr());
  }
  return MPI_ERR_OTHER;
}

template <class T>
int delete_attr(typename Attr<T>::H obj, int keyval, void* value, void* extra_state) {
  auto* kv = static_cast<Keyval*>(extra_state);
  if (!python_alive()) return MPI_SUCCESS;
  nb::gil_scoped_acquire gil;
  if (!kv->delete_fn.is_none()) {
    try {
      kv->delete_fn(Attr<T>::object(obj), keyval, as_value(kv, value));
    } catch (nb::python_error& error) {
      // The attribute may stay in place: keep its reference and count.
      error.discard_as_unraisable("deleting an MPI attribute");
      return MPI_ERR_OTHER;
    }
  }
  if (!kv->nopython) Py_XDECREF(static_cast<PyObject*>(value));
  release<T>(kv);
  return MPI_SUCCESS;
}

int Attr<Comm>::create(Keyval* kv, int* keyval) {
  return MPI_Comm_create_keyval(&copy_attr<Comm>, &delete_attr<Comm>, keyval, kv);
}
int Attr<Datatype>::create(Keyval* kv, int* keyval) {
  return MPI_Type_create_keyval(&copy_attr<Datatype>, &delete_attr<Datatype>, keyval, kv);
}
int Attr<Win>::create(Keyval* kv, int* keyval) {
  return MPI_Win_create_keyval(&copy_attr<Win>, &delete_attr<Win>, keyval, kv);
}

template <class T>
int create_keyval(nb::handle copy_fn, nb::handle delete_fn, bool nopython) {
  bool copy_ok =
      copy_fn.is_none() || PyBool_Check(copy_fn.ptr()) || PyCallable_Check(copy_fn.ptr());
  if (!copy_ok) raise_type_error("copy_fn must be None, a bool or a callable");
  if (!delete_fn.is_none() && !PyCallable_Check(delete_fn.ptr()))
    raise_type_error("delete_fn must be None or a callable");
  auto* kv = new Keyval();
  kv->copy_fn = nb::borrow(copy_fn);
  kv->delete_fn = nb::borrow(delete_fn);
  kv->nopython = nopython;
  int keyval = MPI_KEYVAL_INVALID;
  int ierr = Attr<T>::create(kv, &keyval);
  if (ierr != MPI_SUCCESS) {
    delete kv;
    raise_mpi_error(ierr);
  }
  kv->keyval = keyval;
  registry<T>()[keyval] = kv;
  freed_keyvals<T>().erase(keyval);
  return keyval;
}

template <class T>
int free_keyval(int keyval) {
  check_not_freed<T>(keyval);
  Keyval* kv = find_keyval<T>(keyval);
  if (kv && kv->freed) raise_mpi_error(MPI_ERR_KEYVAL);
  int handle = keyval;
  check(Attr<T>::free_keyval(&handle));
  if (kv) {
    kv->freed = true;
    release<T>(kv);
  }
  return handle;
}

template <class T>
void set_attr(const T& self, int keyval, nb::handle value) {
  check_not_freed<T>(keyval);
  Keyval* kv = find_keyval<T>(keyval);
  if (kv && kv->freed) raise_mpi_error(MPI_ERR_KEYVAL);
  void* stored = nullptr;
  bool python = kv && !kv->nopython;
  if (python) {
    stored = value.ptr();
  } else {
    std::intptr_t number = 0;
    if (!nb::try_cast<std::intptr_t>(value, number))
      raise_type_error("attribute values of this keyval must be integers");
    stored = reinterpret_cast<void*>(number);
  }
  // Count the new reference first: setting may delete an old value under the
  // same keyval, which releases its own count.
  if (python) Py_INCREF(value.ptr());
  if (kv) ++kv->refs;
  int ierr = Attr<T>::set(self.ob_mpi, keyval, stored);
  if (ierr != MPI_SUCCESS) {
    if (python) Py_DECREF(value.ptr());
    if (kv) release<T>(kv);
    raise_mpi_error(ierr);
  }
}

template <class T>
nb::object get_attr(const T& self, int keyval) {
  check_not_freed<T>(keyval);
  void* value = nullptr;
  int flag = 0;
  check(Attr<T>::get(self.ob_mpi, keyval, &value, &flag));
  if (!flag) return nb::none();
  if (Attr<T>::predefined_int(keyval)) return nb::int_(*static_cast<int*>(value));
  if (Attr<T>::predefined_aint(keyval)) return nb::int_(*static_cast<MPI_Aint*>(value));
  if (Attr<T>::predefined_addr(keyval)) return nb::int_(reinterpret_cast<std::intptr_t>(value));
  Keyval* kv = find_keyval<T>(keyval);
  if (kv) return as_value(kv, value);
  return nb::int_(reinterpret_cast<std::intptr_t>(value));  // a keyval created outside Python
}

template <class T, class Class>
void bind_attr_methods(Class& cls) {
  cls.def(
      "Set_attr", &set_attr<T>, nb::arg("keyval"), nb::arg("attrval").none(),
      "Store an attribute value under a keyval (a Python object, or an int for nopython keyvals).");
  cls.def("Get_attr", &get_attr<T>, nb::arg("keyval"),
          "Return the attribute value for a keyval, or None if not set.");
  cls.def(
      "Delete_attr",
      [](const T& self, int keyval) {
        check_not_freed<T>(keyval);
        check(Attr<T>::remove(self.ob_mpi, keyval));
      },
      nb::arg("keyval"), "Delete the attribute value for a keyval.");
  def_classmethod(
      cls, "Create_keyval",
      [](nb::handle, nb::handle copy_fn, nb::handle delete_fn, bool nopython) {
        return create_keyval<T>(copy_fn, delete_fn, nopython);
      },
      nb::arg("cls"), nb::arg("copy_fn") = nb::none(), nb::arg("delete_fn") = nb::none(),
      nb::arg("nopython") = false,
      "Create a new attribute key. copy_fn(obj, keyval, value) returns the copy's value "
      "(NotImplemented: not copied); True shares the value on copy.");
  def_classmethod(
      cls, "Free_keyval", [](nb::handle, int keyval) { return free_keyval<T>(keyval); },
      nb::arg("cls"), nb::arg("keyval"), "Free an attribute key; returns KEYVAL_INVALID.");
}

// At exit (after MPI_Finalize, registered before it), drop the callbacks of
// live keyvals so their globals can go; later callbacks then do nothing.
template <class T>
void clear_callbacks() {
  for (auto& [keyval, kv] : registry<T>()) {
    kv->copy_fn = nb::none();
    kv->delete_fn = nb::none();
  }
}

void clear_all_callbacks() {
  clear_callbacks<Comm>();
  clear_callbacks<Datatype>();
  clear_callbacks<Win>();
}

}  // namespace

void bind_attr(nb::module_& m, Classes& c) {
  (void)m;
  nb::module_::import_("atexit").attr("register")(nb::cpp_function(&clear_all_callbacks));
  bind_attr_methods<Comm>(c.comm);
  bind_attr_methods<Datatype>(c.datatype);
  bind_attr_methods<Win>(c.win);
}

}  // namespace mpi4py
