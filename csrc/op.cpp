// Reduction operations: predefined constants, user-defined operations backed
// by Python functions, Reduce_local, and ops applied to Python objects.
//
// MPI calls a user function through a plain C pointer with no user data, so
// each user-defined Op takes one slot of a fixed table of trampolines; the slot
// holds the Python function. A trampoline takes the GIL, hands the function
// writable memoryviews of MPI's buffers, and never lets an exception escape:
// the first one is kept (per thread) and raised by the Python call that ran
// the reduction, once MPI has returned; later ones are reported as unraisable.
#include <array>
#include <string>
#include <utility>

#include "coll.hpp"
#include "kinds.hpp"

namespace mpi4py {

namespace {

constexpr size_t kMaxUserOps = 128;

struct UserOp {
  PyObject* function = nullptr;  // owned reference; never released at exit
  MPI_Op op = MPI_OP_NULL;
};
UserOp user_ops[kMaxUserOps];

// The exception a user function raised, waiting for raise_pending_op_error().
#if PY_VERSION_HEX >= 0x030C0000
thread_local PyObject* pending_error = nullptr;
bool have_pending() { return pending_error != nullptr; }
#else
thread_local PyObject* pending_type = nullptr;
thread_local PyObject* pending_value = nullptr;
thread_local PyObject* pending_traceback = nullptr;
bool have_pending() { return pending_type != nullptr; }
#endif

// Keep the current Python exception (GIL held) as the pending one.
void keep_error(PyObject* function) {
  if (have_pending()) {
    PyErr_WriteUnraisable(function);  // report it: only one can be raised
    return;
  }
#if PY_VERSION_HEX >= 0x030C0000
  pending_error = PyErr_GetRaisedException();
#else
  PyErr_Fetch(&pending_type, &pending_value, &pending_traceback);
  PyErr_NormalizeException(&pending_type, &pending_value, &pending_traceback);
#endif
}

void release_view(PyObject* view) {
  if (!view) return;
  // A view the function kept (or exported) must not outlive MPI's memory.
  PyObject* result = PyObject_CallMethod(view, "release", nullptr);
  if (result)
    Py_DECREF(result);
  else
    PyErr_Clear();
  Py_DECREF(view);
}

void call_user_op(size_t slot, void* inbuf, void* inoutbuf, MPI_Count count, MPI_Datatype type) {
  if (!Py_IsInitialized()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  PyObject* function = user_ops[slot].function;
  if (function) {
    MPI_Count lb = 0, extent = 0;
    MPI_Type_get_extent_x(type, &lb, &extent);
    Py_ssize_t nbytes = static_cast<Py_ssize_t>(count * extent);
    PyObject* in_view = PyMemoryView_FromMemory(static_cast<char*>(inbuf), nbytes, PyBUF_WRITE);
    PyObject* inout_view =
        PyMemoryView_FromMemory(static_cast<char*>(inoutbuf), nbytes, PyBUF_WRITE);
    PyObject* datatype = nullptr;
    try {
      datatype = wrap<Datatype>(type, kPredefined).release().ptr();
    } catch (nb::python_error& error) {
      error.restore();
    } catch (...) {
      PyErr_SetString(PyExc_RuntimeError, "cannot wrap the reduction datatype");
    }
    if (in_view && inout_view && datatype) {
      PyObject* result =
          PyObject_CallFunctionObjArgs(function, in_view, inout_view, datatype, nullptr);
      Py_XDECREF(result);
    }
    if (PyErr_Occurred()) keep_error(function);
    release_view(in_view);
    release_view(inout_view);
    Py_XDECREF(datatype);
  }
  PyGILState_Release(gil);
}

#if MPI_VERSION >= 4
template <size_t Slot>
void trampoline(void* in, void* inout, MPI_Count* count, MPI_Datatype* type) {
  call_user_op(Slot, in, inout, *count, *type);
}
using UserFunction = MPI_User_function_c;
#else
template <size_t Slot>
void trampoline(void* in, void* inout, int* count, MPI_Datatype* type) {
  call_user_op(Slot, in, inout, *count, *type);
}
using UserFunction = MPI_User_function;
#endif

template <size_t... Slots>
constexpr std::array<UserFunction*, sizeof...(Slots)> make_trampolines(
    std::index_sequence<Slots...>) {
  return {&trampoline<Slots>...};
}
constexpr auto trampolines = make_trampolines(std::make_index_sequence<kMaxUserOps>());

UserOp* find_user_op(MPI_Op op) {
  if (op == MPI_OP_NULL) return nullptr;
  for (UserOp& slot : user_ops)
    if (slot.function && slot.op == op) return &slot;
  return nullptr;
}

bool truth(nb::handle obj) {
  int value = PyObject_IsTrue(obj.ptr());
  if (value < 0) throw nb::python_error();
  return value != 0;
}

bool less(nb::handle a, nb::handle b) {
  int value = PyObject_RichCompareBool(a.ptr(), b.ptr(), Py_LT);
  if (value < 0) throw nb::python_error();
  return value != 0;
}

nb::object checked(PyObject* result) {
  if (!result) throw nb::python_error();
  return nb::steal(result);
}

// (value, index) of a MAXLOC/MINLOC operand.
std::pair<nb::object, nb::object> value_index(nb::handle obj) {
  nb::object seq = nb::steal(PySequence_Fast(obj.ptr(), "MAXLOC/MINLOC need (value, index) pairs"));
  if (!seq.is_valid()) throw nb::python_error();
  if (PySequence_Fast_GET_SIZE(seq.ptr()) != 2)
    raise_value_error("MAXLOC/MINLOC need (value, index) pairs");
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  return {nb::borrow(items[0]), nb::borrow(items[1])};
}

// MAXLOC (max=true) or MINLOC: the better value; on a tie, the lower index.
nb::object apply_loc(bool max, nb::handle x, nb::handle y) {
  auto [u, i] = value_index(x);
  auto [v, j] = value_index(y);
  bool y_better = max ? less(u, v) : less(v, u);
  bool x_better = max ? less(v, u) : less(u, v);
  if (y_better) return nb::borrow(y);
  if (x_better) return nb::borrow(x);
  return less(j, i) ? nb::borrow(y) : nb::borrow(x);
}

nb::object apply_predefined(MPI_Op op, nb::handle x, nb::handle y) {
  if (op == MPI_MAX) return less(x, y) ? nb::borrow(y) : nb::borrow(x);
  if (op == MPI_MIN) return less(y, x) ? nb::borrow(y) : nb::borrow(x);
  if (op == MPI_SUM) return checked(PyNumber_Add(x.ptr(), y.ptr()));
  if (op == MPI_PROD) return checked(PyNumber_Multiply(x.ptr(), y.ptr()));
  if (op == MPI_LAND) return nb::bool_(truth(x) && truth(y));
  if (op == MPI_LOR) return nb::bool_(truth(x) || truth(y));
  if (op == MPI_LXOR) return nb::bool_(truth(x) != truth(y));
  if (op == MPI_BAND) return checked(PyNumber_And(x.ptr(), y.ptr()));
  if (op == MPI_BOR) return checked(PyNumber_Or(x.ptr(), y.ptr()));
  if (op == MPI_BXOR) return checked(PyNumber_Xor(x.ptr(), y.ptr()));
  if (op == MPI_MAXLOC) return apply_loc(true, x, y);
  if (op == MPI_MINLOC) return apply_loc(false, x, y);
  if (op == MPI_REPLACE) return nb::borrow(y);
  if (op == MPI_NO_OP) return nb::borrow(x);
  raise_value_error("cannot apply this operation to Python objects");
}

nb::object op_call(const Op& self, nb::handle x, nb::handle y) {
  if (self.ob_mpi == MPI_OP_NULL) raise_value_error("cannot apply OP_NULL");
  if (UserOp* slot = find_user_op(self.ob_mpi)) {
    return checked(
        PyObject_CallFunctionObjArgs(slot->function, x.ptr(), y.ptr(), Py_None, nullptr));
  }
  return apply_predefined(self.ob_mpi, x, y);
}

// MPI_Op_free, and release the slot of a user-defined operation.
void free_op(Op& self) {
  MPI_Op op = self.ob_mpi;
  check(MPI_Op_free(&self.ob_mpi));
  if (UserOp* slot = find_user_op(op)) {
    PyObject* function = slot->function;
    slot->function = nullptr;
    slot->op = MPI_OP_NULL;
    Py_DECREF(function);
  }
}

bool op_commutative(const Op& self) {
  int commute = 0;
  check(MPI_Op_commutative(self.ob_mpi, &commute));
  return commute != 0;
}

}  // namespace

void raise_pending_op_error() {
  if (!have_pending()) [[likely]]
    return;
#if PY_VERSION_HEX >= 0x030C0000
  PyErr_SetRaisedException(pending_error);
  pending_error = nullptr;
#else
  PyErr_Restore(pending_type, pending_value, pending_traceback);
  pending_type = pending_value = pending_traceback = nullptr;
#endif
  throw nb::python_error();
}

void check_op_arg(nb::handle op) {
  if (nb::isinstance<Op>(op) || PyCallable_Check(op.ptr())) return;
  std::string message =
      std::string("op must be an Op or a callable, got ") + Py_TYPE(op.ptr())->tp_name;
  raise_type_error(message.c_str());
}

nb::object apply_op(nb::handle op, nb::handle x, nb::handle y) {
  Op* mpi_op = nullptr;
  if (nb::try_cast<Op*>(op, mpi_op) && mpi_op) return op_call(*mpi_op, x, y);
  check_op_arg(op);
  return checked(PyObject_CallFunctionObjArgs(op.ptr(), x.ptr(), y.ptr(), nullptr));
}

void bind_op(nb::module_& m, Classes& c) {
  auto& cls = c.op;
  bind_handle_basics<Op>(cls, MPI_OP_NULL);
  cls.def("Is_commutative", &op_commutative, "Query reduction operations for their commutativity.");
  cls.def_prop_ro("is_commutative", &op_commutative, "Is a commutative operation.");
  cls.def_prop_ro(
      "is_predefined",
      [](const Op& self) { return self.predefined() || self.ob_mpi == MPI_OP_NULL; },
      "Is a predefined operation.");
  cls.def("__call__", &op_call, nb::arg("x").none(), nb::arg("y").none(),
          "Apply the operation to two Python objects.");
  def_classmethod(
      cls, "Create",
      [](nb::handle type, nb::handle function, bool commute) {
        if (!PyCallable_Check(function.ptr())) raise_type_error("function must be callable");
        size_t index = kMaxUserOps;
        for (size_t i = 0; i < kMaxUserOps; ++i) {
          if (!user_ops[i].function) {
            index = i;
            break;
          }
        }
        if (index == kMaxUserOps) {
          std::string message = "cannot create more than " + std::to_string(kMaxUserOps) +
                                " user-defined operations at once; free unused ones with Op.Free()";
          raise(PyExc_RuntimeError, message.c_str());
        }
        MPI_Op op = MPI_OP_NULL;
#if MPI_VERSION >= 4
        check(MPI_Op_create_c(trampolines[index], commute ? 1 : 0, &op));
#else
        check(MPI_Op_create(trampolines[index], commute ? 1 : 0, &op));
#endif
        user_ops[index].function = nb::borrow(function).release().ptr();
        user_ops[index].op = op;
        return wrap_as<Op>(type, op);
      },
      nb::arg("cls"), nb::arg("function"), nb::arg("commute") = false,
      "Create a user-defined operation: function(inbuf, inoutbuf, datatype) combines\n"
      "inbuf into inoutbuf (writable memoryviews of the raw bytes).");
  cls.def(
      "Free",
      [](Op& self) {
        if (is_builtin(self) || self.ob_mpi == MPI_OP_NULL) raise_mpi_error(MPI_ERR_OP);
        free_op(self);
      },
      "Free a user-defined operation.");
  cls.def(
      "free",
      [](Op& self) {
        if (!is_builtin(self) && self.ob_mpi != MPI_OP_NULL) free_op(self);
      },
      "Free the operation unless it is null or predefined.");
  cls.def(
      "Reduce_local",
      [](const Op& self, nb::handle inbuf, nb::handle inoutbuf) {
        MessageSpec in, inout;
        parse_message(inbuf, Access::kRead, in);
        parse_message(inoutbuf, Access::kWrite, inout);
        if (in.count != inout.count) {
          std::string message = "mismatch in send count " + std::to_string(in.count) +
                                " and receive count " + std::to_string(inout.count);
          raise_value_error(message.c_str());
        }
        if (in.type != inout.type) raise_value_error("mismatch in send and receive MPI datatypes");
        MPI_Op op = self.ob_mpi;
        int ierr = nogil([&] {
          return MPI4PY_LC(MPI_Reduce_local)(in.addr, inout.addr, coll_count(in.count), in.type,
                                             op);
        });
        raise_pending_op_error();
        check(ierr);
      },
      nb::arg("inbuf").none(), nb::arg("inoutbuf").none(),
      "Apply a reduction operation to local data.");

  // Drop the functions of ops never freed once the interpreter exits (MPI is
  // finalized by then: the environment's exit hook, registered later, runs first).
  nb::module_::import_("atexit").attr("register")(nb::cpp_function([] {
    for (UserOp& slot : user_ops) {
      PyObject* function = slot.function;
      slot.function = nullptr;
      Py_XDECREF(function);
    }
  }));

  const std::pair<const char*, MPI_Op> ops[] = {
      {"OP_NULL", MPI_OP_NULL}, {"MAX", MPI_MAX},         {"MIN", MPI_MIN},
      {"SUM", MPI_SUM},         {"PROD", MPI_PROD},       {"LAND", MPI_LAND},
      {"BAND", MPI_BAND},       {"LOR", MPI_LOR},         {"BOR", MPI_BOR},
      {"LXOR", MPI_LXOR},       {"BXOR", MPI_BXOR},       {"MAXLOC", MPI_MAXLOC},
      {"MINLOC", MPI_MINLOC},   {"REPLACE", MPI_REPLACE}, {"NO_OP", MPI_NO_OP},
  };
  for (const auto& [name, op] : ops) m.attr(name) = wrap<Op>(op, kPredefined);
}

}  // namespace mpi4py
