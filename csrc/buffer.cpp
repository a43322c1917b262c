// Message specs -> MPI arguments.
#include "buffer.hpp"

#include <dlfcn.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

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
    if (!PyObject_CheckBuffer(obj.ptr())) {
      PyErr_Clear();
      if (acquire_dlpack(obj, writable) || acquire_cai(obj, writable)) return;
      std::string message = std::string(
                                "message buffer must support the buffer protocol, DLPack or "
                                "__cuda_array_interface__, got ") +
                            Py_TYPE(obj.ptr())->tp_name;
      raise_type_error(message.c_str());
    }
    if (writable) {
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
    throw nb::python_error();
  }
  held_ = true;
}

// --- DLPack and the CUDA array interface (host memory only) ---------------------

namespace {

// The DLPack C ABI (dlpack.h, versions 0.x and 1.x), as far as a consumer of
// host memory needs it.
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned*);
  uint64_t flags;
  DLTensor dl_tensor;
};
constexpr uint64_t kDLReadOnly = 1u << 0;
enum : int32_t { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3, kDLCUDAManaged = 13 };
enum : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLComplex = 5, kDLBool = 6 };

// A buffer format for an element kind ('i' signed, 'u' unsigned, 'f' real,
// 'c' complex, 'b' boolean) and size in bytes; nullptr when there is none.
const char* format_for(char kind, Py_ssize_t size) {
  switch (kind) {
    case 'b':
      return size == 1 ? "?" : nullptr;
    case 'i':
      return size == 1 ? "b" : size == 2 ? "h" : size == 4 ? "i" : size == 8 ? "q" : nullptr;
    case 'u':
      return size == 1 ? "B" : size == 2 ? "H" : size == 4 ? "I" : size == 8 ? "Q" : nullptr;
    case 'f':
      if (size == 4) return "f";
      if (size == 8) return "d";
      if (size == static_cast<Py_ssize_t>(sizeof(long double))) return "g";
      return nullptr;
    case 'c':
      if (size == 8) return "Zf";
      if (size == 16) return "Zd";
      if (size == static_cast<Py_ssize_t>(2 * sizeof(long double))) return "Zg";
      return nullptr;
    default:
      return nullptr;
  }
}

[[noreturn]] void raise_buffer_error(const std::string& message) {
  raise(PyExc_BufferError, message.c_str());
}

// Whether `strides` (in items) describe a C- or Fortran-contiguous layout.
bool is_contiguous(int ndim, const int64_t* shape, const int64_t* strides) {
  if (strides == nullptr) return true;
  for (int i = 0; i < ndim; ++i)
    if (shape[i] == 0) return true;
  int64_t expected = 1;
  bool c_order = true;
  for (int i = ndim - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != expected) c_order = false;
    expected *= shape[i];
  }
  if (c_order) return true;
  expected = 1;
  for (int i = 0; i < ndim; ++i) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

// Whether `address` is CUDA device memory. Only a process that has loaded the
// CUDA driver can hold such pointers, so without it everything is host memory.
bool is_cuda_device_pointer(std::uintptr_t address) {
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (driver == nullptr) return false;
  using GetAttribute = int (*)(void*, int, unsigned long long);
  auto get = reinterpret_cast<GetAttribute>(dlsym(driver, "cuPointerGetAttribute"));
  bool device = false;
  if (get != nullptr) {
    const int kMemoryType = 2, kIsManaged = 8, kDeviceMemory = 2;
    unsigned int memory_type = 0;
    int managed = 0;
    if (get(&memory_type, kMemoryType, address) == 0 && memory_type == kDeviceMemory) {
      device = !(get(&managed, kIsManaged, address) == 0 && managed);
    }
  }
  dlclose(driver);
  return device;
}

}  // namespace

void PyBuffer::set_foreign(nb::object keep, void* data, Py_ssize_t nbytes, Py_ssize_t itemsize,
                           const char* format, bool readonly) {
  view_ = Py_buffer{};
  view_.buf = data;
  view_.len = nbytes;
  view_.itemsize = itemsize;
  view_.format = const_cast<char*>(format);
  view_.readonly = readonly;
  view_.ndim = 1;
  foreign_ = std::move(keep);
  held_ = true;
}

bool PyBuffer::acquire_dlpack(nb::handle obj, bool writable) {
  if (!nb::hasattr(obj, "__dlpack__")) return false;
  std::string type_name = Py_TYPE(obj.ptr())->tp_name;
  if (nb::hasattr(obj, "__dlpack_device__")) {
    auto device = nb::cast<std::pair<int, int>>(obj.attr("__dlpack_device__")());
    if (device.first != kDLCPU && device.first != kDLCUDAHost && device.first != kDLCUDAManaged)
      raise_buffer_error("DLPack buffer of " + type_name + " lives on device type " +
                         std::to_string(device.first) +
                         ", not in host memory; only host (CPU) memory can be communicated");
  }
  // Ask for a versioned capsule (it can say "read-only"); old exporters take no arguments.
  nb::object capsule;
  try {
    nb::dict kwargs;
    kwargs["max_version"] = nb::make_tuple(1, 0);
    capsule = obj.attr("__dlpack__")(**kwargs);
  } catch (nb::python_error& error) {
    if (!error.matches(PyExc_TypeError)) throw;
    capsule = obj.attr("__dlpack__")();
  }
  const char* name = PyCapsule_GetName(capsule.ptr());
  if (name == nullptr) throw nb::python_error();
  const DLTensor* tensor = nullptr;
  bool readonly = false;
  if (std::string(name) == "dltensor_versioned") {
    auto* managed =
        static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule.ptr(), name));
    if (managed == nullptr) throw nb::python_error();
    if (managed->version.major != 1)
      raise_buffer_error("unsupported DLPack version " + std::to_string(managed->version.major));
    tensor = &managed->dl_tensor;
    readonly = (managed->flags & kDLReadOnly) != 0;
  } else if (std::string(name) == "dltensor") {
    auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), name));
    if (managed == nullptr) throw nb::python_error();
    tensor = &managed->dl_tensor;
  } else {
    raise_buffer_error("__dlpack__ of " + type_name + " returned an unusable capsule");
  }
  const int32_t device = tensor->device.device_type;
  if (device != kDLCPU && device != kDLCUDAHost && device != kDLCUDAManaged)
    raise_buffer_error("DLPack buffer of " + type_name + " is not in host memory");
  if (writable && readonly)
    raise_buffer_error("receive buffer must be writable, got a read-only DLPack tensor of " +
                       type_name);
  const DLDataType dtype = tensor->dtype;
  if (dtype.lanes != 1 || dtype.bits % 8 != 0)
    raise_buffer_error("DLPack buffer of " + type_name + " has an unsupported element type");
  const Py_ssize_t itemsize = dtype.bits / 8;
  char kind = dtype.code == kDLInt       ? 'i'
              : dtype.code == kDLUInt    ? 'u'
              : dtype.code == kDLFloat   ? 'f'
              : dtype.code == kDLComplex ? 'c'
              : dtype.code == kDLBool    ? 'b'
                                         : '\0';
  const char* format = format_for(kind, itemsize);
  if (format == nullptr) format = "B";  // no matching type: raw bytes, typed by the spec
  if (!is_contiguous(tensor->ndim, tensor->shape, tensor->strides))
    raise_buffer_error("DLPack buffer of " + type_name + " is not contiguous");
  Py_ssize_t items = 1;
  for (int i = 0; i < tensor->ndim; ++i) items *= static_cast<Py_ssize_t>(tensor->shape[i]);
  if (format[0] == 'B' && itemsize != 1) {
    items *= itemsize;
    set_foreign(std::move(capsule), static_cast<char*>(tensor->data) + tensor->byte_offset, items,
                1, format, readonly);
    return true;
  }
  // The capsule stays unconsumed, so releasing it runs the exporter's deleter.
  set_foreign(std::move(capsule), static_cast<char*>(tensor->data) + tensor->byte_offset,
              items * itemsize, itemsize, format, readonly);
  return true;
}

bool PyBuffer::acquire_cai(nb::handle obj, bool writable) {
  if (!nb::hasattr(obj, "__cuda_array_interface__")) return false;
  std::string type_name = Py_TYPE(obj.ptr())->tp_name;
  nb::object info = obj.attr("__cuda_array_interface__");
  if (!PyDict_Check(info.ptr())) raise_type_error("__cuda_array_interface__ must be a dict");
  nb::dict d = nb::borrow<nb::dict>(info);
  if (d.contains("mask") && !d["mask"].is_none())
    raise_buffer_error("__cuda_array_interface__ with a mask is not supported");
  auto data = nb::cast<std::pair<std::uintptr_t, bool>>(d["data"]);
  auto shape = nb::cast<std::vector<int64_t>>(d["shape"]);
  std::string typestr = nb::cast<std::string>(d["typestr"]);
  if (typestr.size() < 3) raise_value_error("__cuda_array_interface__ has a malformed typestr");
  const int one = 1;
  const bool little = *reinterpret_cast<const char*>(&one) == 1;
  if ((typestr[0] == '<' && !little) || (typestr[0] == '>' && little))
    raise_value_error("__cuda_array_interface__ data is not in native byte order");
  const Py_ssize_t itemsize = std::stol(typestr.substr(2));
  const char* format = format_for(typestr[1], itemsize);
  if (format == nullptr) format = "B";
  Py_ssize_t items = 1;
  for (int64_t extent : shape) items *= static_cast<Py_ssize_t>(extent);
  if (d.contains("strides") && !d["strides"].is_none()) {
    auto strides = nb::cast<std::vector<int64_t>>(d["strides"]);
    if (strides.size() != shape.size())
      raise_value_error("__cuda_array_interface__ strides do not match its shape");
    for (auto& stride : strides) {
      if (stride % itemsize != 0)
        raise_buffer_error("__cuda_array_interface__ buffer is not contiguous");
      stride /= itemsize;
    }
    if (!is_contiguous(static_cast<int>(shape.size()), shape.data(), strides.data()))
      raise_buffer_error("__cuda_array_interface__ buffer is not contiguous");
  }
  if (items > 0 && is_cuda_device_pointer(data.first))
    raise_buffer_error("__cuda_array_interface__ of " + type_name +
                       " points to GPU device memory; only host memory can be communicated "
                       "by this build (the MPI library is used without device support)");
  if (writable && data.second)
    raise_buffer_error("receive buffer must be writable, got a read-only " + type_name);
  void* address = reinterpret_cast<void*>(data.first);
  if (format[0] == 'B' && itemsize != 1) {
    set_foreign(nb::borrow(obj), address, items * itemsize, 1, format, data.second);
    return true;
  }
  set_foreign(nb::borrow(obj), address, items * itemsize, itemsize, format, data.second);
  return true;
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
                          std::to_string(last) + ") but the buffer has " + std::to_string(nbytes) +
                          " bytes";
    raise_value_error(message.c_str());
  }
}

void parse_message(nb::handle spec, Access access, MessageSpec& out) {
  const bool writable = access == Access::kWrite;
  PyObject* obj = spec.ptr();

  // Fast path: a bare buffer, datatype from its format, count from its length.
  if (obj != Py_None && !PyList_Check(obj) && !PyTuple_Check(obj)) {
    if (obj == bottom_object)
      raise_type_error("BOTTOM needs an explicit [BOTTOM, count, datatype]");
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
