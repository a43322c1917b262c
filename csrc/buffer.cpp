// Message specs -> MPI arguments.
#include "buffer.hpp"

#include <climits>
#include <string>

#include "datatype.hpp"

namespace mpi4py {

namespace {

// Sentinel types for MPI.BOTTOM / MPI.IN_PLACE: identity is all that matters.
struct BottomType {};
struct InPlaceType {};
PyObject* bottom_object = nullptr;
PyObject* in_place_object = nullptr;

MPI_Count as_count(nb::handle obj, const char* what) {
  MPI_Count value = 0;
  if (!PyLong_Check(obj.ptr())) {
    std::string message = std::string(what) + " must be an integer";
    raise_type_error(message.c_str());
  }
  value = PyLong_AsLongLong(obj.ptr());
  if (value == -1 && PyErr_Occurred()) throw nb::python_error();
  if (value < 0) {
    std::string message = std::string(what) + " must be non-negative";
    raise_value_error(message.c_str());
  }
  return value;
}

// Whether a spec item names a datatype (a Datatype or a typecode string).
bool is_datatype_like(nb::handle obj) {
  return nb::isinstance<Datatype>(obj) || PyUnicode_Check(obj.ptr());
}

}  // namespace

void PyBuffer::acquire(nb::handle obj, bool writable) {
  release();
  int flags = PyBUF_ANY_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(obj.ptr(), &view_, flags) != 0) {
    if (writable && PyObject_CheckBuffer(obj.ptr())) {
      // Say plainly why a readable object was refused.
      PyErr_Clear();
      Py_buffer probe;
      if (PyObject_GetBuffer(obj.ptr(), &probe, PyBUF_ANY_CONTIGUOUS) == 0) {
        PyBuffer_Release(&probe);
        std::string message = std::string("receive buffer must be writable, got a read-only ") +
                              Py_TYPE(obj.ptr())->tp_name;
        raise(PyExc_BufferError, message.c_str());
      }
      throw nb::python_error();
    }
    if (!PyObject_CheckBuffer(obj.ptr())) {
      PyErr_Clear();
      std::string message = std::string("message buffer must support the buffer protocol, got ") +
                            Py_TYPE(obj.ptr())->tp_name;
      raise_type_error(message.c_str());
    }
    throw nb::python_error();
  }
  held_ = true;
}

MPI_Datatype resolve_datatype(nb::handle obj) {
  Datatype* type = nullptr;
  if (nb::try_cast<Datatype*>(obj, type) && type) return type->ob_mpi;
  if (PyUnicode_Check(obj.ptr())) {
    const char* code = PyUnicode_AsUTF8(obj.ptr());
    if (!code) throw nb::python_error();
    MPI_Datatype resolved = datatype_from_typecode(code);
    if (resolved == MPI_DATATYPE_NULL) {
      std::string message = std::string("unknown datatype typecode '") + code + "'";
      raise_value_error(message.c_str());
    }
    return resolved;
  }
  std::string message =
      std::string("expected a Datatype or a typecode string, got ") + Py_TYPE(obj.ptr())->tp_name;
  raise_type_error(message.c_str());
}

MPI_Datatype datatype_for_buffer(const PyBuffer& buffer) {
  MPI_Datatype type = datatype_from_format(buffer.format());
  if (type == MPI_DATATYPE_NULL) {
    std::string message = std::string("no MPI datatype matches buffer format '") +
                          (buffer.format() ? buffer.format() : "B") + "'; pass one explicitly";
    raise_value_error(message.c_str());
  }
  return type;
}

void check_span(MPI_Count count, MPI_Count displ, MPI_Datatype type, Py_ssize_t nbytes) {
  if (count == 0) return;
  MPI_Count lb = 0, extent = 0, true_lb = 0, true_extent = 0;
  check(MPI_Type_get_extent_x(type, &lb, &extent));
  check(MPI_Type_get_true_extent_x(type, &true_lb, &true_extent));
  MPI_Count first = displ * extent + true_lb;
  MPI_Count last = (displ + count - 1) * extent + true_lb + true_extent;
  if (first < 0 || last > static_cast<MPI_Count>(nbytes)) {
    std::string message = "message of " + std::to_string(count) + " items at displacement " +
                          std::to_string(displ) + " needs bytes [" + std::to_string(first) + ", " +
                          std::to_string(last) + ") but the buffer has " +
                          std::to_string(nbytes) + " bytes";
    raise_value_error(message.c_str());
  }
}

void parse_message(nb::handle spec, Access access, MessageSpec& out) {
  const bool writable = access == Access::kWrite;
  PyObject* obj = spec.ptr();

  // Fast path: a bare buffer, datatype from its format, count from its length.
  if (obj != Py_None && !PyList_Check(obj) && !PyTuple_Check(obj)) {
    if (obj == bottom_object) raise_type_error("BOTTOM needs an explicit [BOTTOM, count, datatype]");
    out.buffer.acquire(spec, writable);
    out.addr = out.buffer.data();
    out.type = datatype_for_buffer(out.buffer);
    Py_ssize_t itemsize = out.buffer.itemsize() > 0 ? out.buffer.itemsize() : 1;
    out.count = out.buffer.nbytes() / itemsize;
    return;
  }
  if (obj == Py_None) {
    out.addr = nullptr;
    out.count = 0;
    out.type = MPI_BYTE;
    return;
  }

  Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
  PyObject** items = PySequence_Fast_ITEMS(obj);
  if (n < 1 || n > 4)
    raise_type_error("message spec must be [data, (count, displ), datatype] or a shorter form");

  nb::handle data(items[0]);
  nb::handle count_obj, displ_obj, type_obj;
  if (n == 2) {
    (is_datatype_like(items[1]) ? type_obj : count_obj) = items[1];
  } else if (n == 3) {
    count_obj = items[1];
    type_obj = items[2];
    if (PyTuple_Check(items[1]) || PyList_Check(items[1])) {
      Py_ssize_t pair = PySequence_Size(items[1]);
      if (pair != 2) raise_type_error("message spec count must be an int or a (count, displ) pair");
      count_obj = PySequence_Fast_ITEMS(items[1])[0];
      displ_obj = PySequence_Fast_ITEMS(items[1])[1];
    }
  } else if (n == 4) {
    count_obj = items[1];
    displ_obj = items[2];
    type_obj = items[3];
  }

  bool bottom = data.ptr() == bottom_object;
  if (bottom) {
    out.addr = MPI_BOTTOM;
  } else if (data.is_none()) {
    out.addr = nullptr;
  } else {
    out.buffer.acquire(data, writable);
    out.addr = out.buffer.data();
  }

  if (type_obj.is_valid() && !type_obj.is_none()) {
    out.type = resolve_datatype(type_obj);
  } else if (out.buffer.held()) {
    out.type = datatype_for_buffer(out.buffer);
  } else {
    out.type = MPI_BYTE;
  }
  if (out.type == MPI_DATATYPE_NULL) raise_value_error("message datatype is DATATYPE_NULL");

  MPI_Count displ = displ_obj.is_valid() && !displ_obj.is_none()
                        ? as_count(displ_obj, "message displacement")
                        : 0;
  if (count_obj.is_valid() && !count_obj.is_none()) {
    out.count = as_count(count_obj, "message count");
  } else if (out.buffer.held()) {
    MPI_Count lb = 0, extent = 0;
    check(MPI_Type_get_extent_x(out.type, &lb, &extent));
    MPI_Count available = static_cast<MPI_Count>(out.buffer.nbytes()) - displ * extent;
    if (extent <= 0) raise_value_error("cannot infer a count for a datatype of extent zero");
    if (available < 0 || available % extent != 0) {
      std::string message = "buffer length " + std::to_string(out.buffer.nbytes()) +
                            " is not a multiple of the datatype extent " + std::to_string(extent);
      raise_value_error(message.c_str());
    }
    out.count = available / extent;
  } else if (bottom) {
    raise_type_error("BOTTOM needs an explicit count");
  } else {
    out.count = 0;
  }

  if (out.buffer.held()) {
    check_span(out.count, displ, out.type, out.buffer.nbytes());
    if (displ != 0) {
      MPI_Count lb = 0, extent = 0;
      check(MPI_Type_get_extent_x(out.type, &lb, &extent));
      out.addr = static_cast<char*>(out.addr) + displ * extent;
    }
  } else if (out.addr == nullptr && out.count != 0) {
    raise_value_error("a None buffer can only carry an empty message");
  }
}

bool is_bottom(nb::handle obj) { return obj.ptr() == bottom_object; }
bool is_in_place(nb::handle obj) { return obj.ptr() == in_place_object; }

void bind_buffer_constants(nb::module_& m) {
  nb::class_<BottomType>(m, "BottomType").def("__repr__", [](const BottomType&) {
    return "BOTTOM";
  });
  nb::class_<InPlaceType>(m, "InPlaceType").def("__repr__", [](const InPlaceType&) {
    return "IN_PLACE";
  });
  nb::object bottom = nb::cast(BottomType{});
  nb::object in_place = nb::cast(InPlaceType{});
  // Borrowed: the module attributes keep them alive for as long as calls can come.
  bottom_object = bottom.ptr();
  in_place_object = in_place.ptr();
  m.attr("BOTTOM") = bottom;
  m.attr("IN_PLACE") = in_place;
}

}  // namespace mpi4py
