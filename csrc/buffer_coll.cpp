// Collective message specs -> MPI argument arrays (see buffer_coll.hpp).
#include "buffer_coll.hpp"

#include <climits>
#include <string>

namespace mpi4py {

namespace {

enum class Kind { kBlock, kVector, kW };

std::string type_name(PyObject* obj) { return Py_TYPE(obj)->tp_name; }

// A Python integer (or any object with __index__, e.g. a NumPy integer).
MPI_Count index_value(PyObject* obj, const char* what, bool allow_negative) {
  PyObject* index = PyNumber_Index(obj);
  if (!index) {
    PyErr_Clear();
    std::string message = std::string(what) + " must be an integer, got " + type_name(obj);
    raise_type_error(message.c_str());
  }
  long long value = PyLong_AsLongLong(index);
  Py_DECREF(index);
  if (value == -1 && PyErr_Occurred()) throw nb::python_error();
  if (!allow_negative && value < 0) {
    std::string message = std::string(what) + " must be non-negative, got " + std::to_string(value);
    raise_value_error(message.c_str());
  }
  return value;
}

// An integer count, as opposed to a sequence of them (NumPy arrays have
// __index__ too, but are sequences).
bool is_integer(PyObject* obj) {
  return PyLong_Check(obj) || (PyIndex_Check(obj) && !PySequence_Check(obj));
}

bool given(PyObject* obj) { return obj != nullptr && obj != Py_None; }
bool is_list_or_tuple(PyObject* obj) { return PyList_Check(obj) || PyTuple_Check(obj); }
bool is_datatype_like(PyObject* obj) {
  return nb::isinstance<Datatype>(nb::handle(obj)) || PyUnicode_Check(obj);
}

// A sequence as a fast list/tuple of exactly `length` items.
nb::object fast_sequence(PyObject* seq, Py_ssize_t length, const char* what) {
  PyObject* fast = PySequence_Fast(seq, "");
  if (!fast) {
    PyErr_Clear();
    std::string message = std::string(what) + " must be a sequence, got " + type_name(seq);
    raise_type_error(message.c_str());
  }
  nb::object result = nb::steal(fast);
  Py_ssize_t size = PySequence_Fast_GET_SIZE(fast);
  if (size != length) {
    std::string message = std::string(what) + ": expecting " + std::to_string(length) +
                          " items, got " + std::to_string(size);
    raise_value_error(message.c_str());
  }
  return result;
}

// The parts of a spec list; borrowed from the spec, which outlives the parse.
struct SpecParts {
  PyObject* data = nullptr;
  PyObject* counts = nullptr;
  PyObject* displs = nullptr;
  PyObject* types = nullptr;
};

// Whether the middle item of a 3-item spec is a (counts, displs) pair.
bool is_pair(PyObject* obj, Kind kind) {
  if (!is_list_or_tuple(obj) || PySequence_Size(obj) != 2) return false;
  if (kind == Kind::kBlock) return true;  // a block count is never a sequence
  PyObject* first = PySequence_Fast_ITEMS(obj)[0];
  if (first == Py_None) return true;
  return PySequence_Check(first) && !PyUnicode_Check(first) && !PyBytes_Check(first);
}

bool is_types(PyObject* obj) {
  if (is_datatype_like(obj)) return true;
  if (!is_list_or_tuple(obj)) return false;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
  return n > 0 && is_datatype_like(PySequence_Fast_ITEMS(obj)[0]);
}

SpecParts split_spec(nb::handle spec, Kind kind) {
  SpecParts parts;
  PyObject* obj = spec.ptr();
  if (!is_list_or_tuple(obj)) {
    parts.data = obj;
    return parts;
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
  PyObject** items = PySequence_Fast_ITEMS(obj);
  if (n < 1 || n > 4) {
    raise_type_error(
        kind == Kind::kW
            ? "message spec must be [data, counts, displs, datatypes] or a shorter form"
            : "message spec must be [data, counts, displs, datatype] or a shorter form");
  }
  parts.data = items[0];
  if (n == 2) {
    bool typed = kind == Kind::kW ? is_types(items[1]) : is_datatype_like(items[1]);
    if (typed) {
      parts.types = items[1];
    } else if (kind == Kind::kVector && is_pair(items[1], kind)) {
      parts.counts = PySequence_Fast_ITEMS(items[1])[0];
      parts.displs = PySequence_Fast_ITEMS(items[1])[1];
    } else {
      parts.counts = items[1];
    }
  } else if (n == 3) {
    parts.types = items[2];
    if (is_pair(items[1], kind)) {
      parts.counts = PySequence_Fast_ITEMS(items[1])[0];
      parts.displs = PySequence_Fast_ITEMS(items[1])[1];
    } else {
      parts.counts = items[1];
    }
  } else if (n == 4) {
    parts.counts = items[1];
    parts.displs = items[2];
    parts.types = items[3];
  }
  return parts;
}

void resolve_buffer(PyObject* data, Access access, VectorSpec& out) {
  if (data == Py_None) {
    out.addr = nullptr;
  } else if (is_bottom(data)) {
    out.addr = MPI_BOTTOM;
    out.bottom = true;
  } else {
    out.buffer.acquire(data, access == Access::kWrite);
    out.addr = out.buffer.data();
  }
}

MPI_Datatype resolve_one_type(PyObject* type_obj, const VectorSpec& out) {
  MPI_Datatype type = MPI_BYTE;
  if (given(type_obj))
    type = resolve_datatype(type_obj);
  else if (out.buffer.held())
    type = datatype_for_buffer(out.buffer);
  if (type == MPI_DATATYPE_NULL) raise_value_error("message datatype is DATATYPE_NULL");
  return type;
}

MPI_Count type_extent(MPI_Datatype type) {
  MPI_Count lb = 0, extent = 0;
  check(MPI_Type_get_extent_x(type, &lb, &extent));
  return extent;
}

// How many items of `type` the buffer holds, for specs without explicit counts.
MPI_Count buffer_items(const VectorSpec& out, MPI_Datatype type) {
  if (out.bottom) raise_type_error("BOTTOM needs explicit counts and displacements");
  if (!out.buffer.held()) return 0;
  MPI_Count extent = type_extent(type);
  if (extent <= 0) raise_value_error("cannot infer a count for a datatype of extent zero");
  MPI_Count nbytes = out.buffer.nbytes();
  if (nbytes % extent != 0) {
    std::string message = "buffer length " + std::to_string(nbytes) +
                          " is not a multiple of the datatype extent " + std::to_string(extent);
    raise_value_error(message.c_str());
  }
  return nbytes / extent;
}

MPI_Count split_evenly(MPI_Count total, int blocks) {
  if (blocks == 0) return 0;
  if (total % blocks != 0) {
    std::string message = "cannot infer a count per process: the buffer holds " +
                          std::to_string(total) + " items, not a multiple of " +
                          std::to_string(blocks) + " processes";
    raise_value_error(message.c_str());
  }
  return total / blocks;
}

void require_buffer_for(const VectorSpec& out, bool any_data) {
  if (!out.buffer.held() && !out.bottom && any_data)
    raise_value_error("a None buffer can only carry an empty message");
}

}  // namespace

CollCount coll_count(MPI_Count value) {
#if MPI_VERSION < 4
  if (value > INT_MAX) {
    std::string message = "count " + std::to_string(value) +
                          " does not fit in an int, and this MPI library has no large-count "
                          "collectives";
    raise(PyExc_OverflowError, message.c_str());
  }
#endif
  return static_cast<CollCount>(value);
}

CollDispl coll_displ(MPI_Count value) {
#if MPI_VERSION < 4
  if (value > INT_MAX || value < INT_MIN) {
    std::string message = "displacement " + std::to_string(value) +
                          " does not fit in an int, and this MPI library has no large-count "
                          "collectives";
    raise(PyExc_OverflowError, message.c_str());
  }
#endif
  return static_cast<CollDispl>(value);
}

void VectorSpec::prepare_alltoallw() {
#if MPI_VERSION < 4
  displs.resize(wdispls.size());
  for (size_t i = 0; i < wdispls.size(); ++i) displs[i] = coll_displ(wdispls[i]);
#endif
}

std::vector<CollCount> parse_counts(nb::handle seq, int length, const char* what) {
  nb::object fast = fast_sequence(seq.ptr(), length, what);
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  std::vector<CollCount> counts(static_cast<size_t>(length));
  for (int i = 0; i < length; ++i) counts[i] = coll_count(index_value(items[i], what, false));
  return counts;
}

void parse_block(nb::handle spec, Access access, int blocks, VectorSpec& out) {
  SpecParts parts = split_spec(spec, Kind::kBlock);
  resolve_buffer(parts.data, access, out);
  out.type = resolve_one_type(parts.types, out);
  MPI_Count displ = given(parts.displs) ? index_value(parts.displs, "displacement", false) : 0;
  MPI_Count count = 0;
  if (given(parts.counts)) {
    count = index_value(parts.counts, "count", false);
  } else {
    MPI_Count total = buffer_items(out, out.type) - displ;
    if (total < 0) raise_value_error("displacement is beyond the end of the buffer");
    count = split_evenly(total, blocks);
  }
  if (out.buffer.held()) {
    check_span(count * blocks, displ, out.type, out.buffer.nbytes());
    out.addr = static_cast<char*>(out.addr) + displ * type_extent(out.type);
  } else {
    require_buffer_for(out, count != 0 && blocks != 0);
  }
  out.count = coll_count(count);
}

void parse_vector(nb::handle spec, Access access, int blocks, VectorSpec& out) {
  SpecParts parts = split_spec(spec, Kind::kVector);
  resolve_buffer(parts.data, access, out);
  out.type = resolve_one_type(parts.types, out);
  const size_t n = static_cast<size_t>(blocks);
  std::vector<MPI_Count> counts(n), displs(n);

  if (!given(parts.counts)) {
    if (given(parts.displs)) raise_type_error("displacements given without counts");
    MPI_Count each = split_evenly(buffer_items(out, out.type), blocks);
    for (size_t i = 0; i < n; ++i) counts[i] = each;
  } else if (is_integer(parts.counts)) {
    MPI_Count each = index_value(parts.counts, "count", false);
    for (size_t i = 0; i < n; ++i) counts[i] = each;
  } else {
    nb::object fast = fast_sequence(parts.counts, blocks, "counts");
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    for (size_t i = 0; i < n; ++i) counts[i] = index_value(items[i], "count", false);
  }

  if (!given(parts.displs)) {
    MPI_Count next = 0;
    for (size_t i = 0; i < n; ++i) {
      displs[i] = next;
      next += counts[i];
    }
  } else if (is_integer(parts.displs)) {
    MPI_Count stride = index_value(parts.displs, "displacement", false);
    for (size_t i = 0; i < n; ++i) displs[i] = stride * static_cast<MPI_Count>(i);
  } else {
    nb::object fast = fast_sequence(parts.displs, blocks, "displacements");
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    for (size_t i = 0; i < n; ++i) displs[i] = index_value(items[i], "displacement", true);
  }

  // Every block inside the buffer: checking the lowest-starting and the
  // highest-ending block covers all of them.
  size_t low = n, high = n;
  bool any_data = false;
  for (size_t i = 0; i < n; ++i) {
    if (counts[i] == 0) continue;
    any_data = true;
    if (low == n || displs[i] < displs[low]) low = i;
    if (high == n || displs[i] + counts[i] > displs[high] + counts[high]) high = i;
  }
  if (out.buffer.held()) {
    if (low != n) check_span(counts[low], displs[low], out.type, out.buffer.nbytes());
    if (high != n) check_span(counts[high], displs[high], out.type, out.buffer.nbytes());
  } else {
    require_buffer_for(out, any_data);
  }

  out.counts.resize(n);
  out.displs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    out.counts[i] = coll_count(counts[i]);
    out.displs[i] = coll_displ(displs[i]);
  }
}

void parse_w(nb::handle spec, Access access, int blocks, VectorSpec& out) {
  SpecParts parts = split_spec(spec, Kind::kW);
  resolve_buffer(parts.data, access, out);
  const size_t n = static_cast<size_t>(blocks);

  out.types.assign(n, MPI_BYTE);
  if (!given(parts.types) || is_datatype_like(parts.types)) {
    MPI_Datatype type = resolve_one_type(parts.types, out);
    for (size_t i = 0; i < n; ++i) out.types[i] = type;
  } else {
    nb::object fast = fast_sequence(parts.types, blocks, "datatypes");
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    for (size_t i = 0; i < n; ++i) {
      out.types[i] = resolve_datatype(items[i]);
      if (out.types[i] == MPI_DATATYPE_NULL) raise_value_error("message datatype is DATATYPE_NULL");
    }
  }

  std::vector<MPI_Count> counts(n, 1);
  if (given(parts.counts)) {
    if (is_integer(parts.counts)) {
      MPI_Count each = index_value(parts.counts, "count", false);
      for (size_t i = 0; i < n; ++i) counts[i] = each;
    } else {
      nb::object fast = fast_sequence(parts.counts, blocks, "counts");
      PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
      for (size_t i = 0; i < n; ++i) counts[i] = index_value(items[i], "count", false);
    }
  }

  out.wdispls.assign(n, 0);
  if (!given(parts.displs)) {
    MPI_Aint next = 0;
    for (size_t i = 0; i < n; ++i) {
      out.wdispls[i] = next;
      next += static_cast<MPI_Aint>(counts[i] * type_extent(out.types[i]));
    }
  } else if (is_integer(parts.displs)) {
    MPI_Count stride = index_value(parts.displs, "displacement", false);
    for (size_t i = 0; i < n; ++i) out.wdispls[i] = static_cast<MPI_Aint>(stride * i);
  } else {
    nb::object fast = fast_sequence(parts.displs, blocks, "displacements");
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    for (size_t i = 0; i < n; ++i)
      out.wdispls[i] = static_cast<MPI_Aint>(index_value(items[i], "displacement", true));
  }

  bool any_data = false;
  for (size_t i = 0; i < n; ++i) {
    if (counts[i] == 0) continue;
    any_data = true;
    if (!out.buffer.held()) continue;
    // Byte displacements: block i spans [displ + true_lb, displ + (count-1)*extent +
    // true_lb + true_extent).
    MPI_Count lb = 0, extent = 0, true_lb = 0, true_extent = 0;
    check(MPI_Type_get_extent_x(out.types[i], &lb, &extent));
    check(MPI_Type_get_true_extent_x(out.types[i], &true_lb, &true_extent));
    MPI_Count first = out.wdispls[i] + true_lb;
    MPI_Count last = out.wdispls[i] + (counts[i] - 1) * extent + true_lb + true_extent;
    if (first < 0 || last > static_cast<MPI_Count>(out.buffer.nbytes())) {
      std::string message = "block " + std::to_string(i) + " of " + std::to_string(counts[i]) +
                            " items at byte displacement " + std::to_string(out.wdispls[i]) +
                            " needs bytes [" + std::to_string(first) + ", " + std::to_string(last) +
                            ") but the buffer has " + std::to_string(out.buffer.nbytes()) +
                            " bytes";
      raise_value_error(message.c_str());
    }
  }
  if (!out.buffer.held()) require_buffer_for(out, any_data);

  out.counts.resize(n);
  for (size_t i = 0; i < n; ++i) out.counts[i] = coll_count(counts[i]);
}

}  // namespace mpi4py
