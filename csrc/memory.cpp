// Memory: MPI.buffer (alias MPI.memory), Alloc_mem/Free_mem, and addresses.
//
// Safety rules of MPI.buffer:
// - every element access is bounds checked (IndexError);
// - a released or freed buffer refuses every access to its bytes (ValueError);
// - memory cannot be released or freed while views of it exist (memoryviews,
//   NumPy arrays, slices of the buffer): that raises BufferError, so no view
//   can ever read released memory.
#include "memory.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "buffer.hpp"

namespace mpi4py {

namespace {

// An empty buffer still exports a valid (never dereferenced) pointer.
char empty_bytes[1] = {0};

struct MemoryBuffer {
  enum class Kind {
    kEmpty,  // no memory
    kView,   // another object's buffer, held through the buffer protocol
    kRaw,    // memory at an address, optionally kept alive by `owner`
    kOwned,  // allocated by buffer.allocate(), freed with it
    kMPI,    // allocated by MPI_Alloc_mem, freed with MPI_Free_mem
  };
  Kind kind = Kind::kEmpty;
  void* addr = nullptr;
  Py_ssize_t size = 0;
  bool readonly = false;
  bool released = false;
  Py_ssize_t exports = 0;     // views currently exported through the buffer protocol
  Py_buffer view{};           // kView
  PyObject* owner = nullptr;  // kRaw: strong reference, or null

  MemoryBuffer() = default;
  MemoryBuffer(const MemoryBuffer&) = delete;
  MemoryBuffer& operator=(const MemoryBuffer&) = delete;
  ~MemoryBuffer() { drop(); }

  // Give the memory back. Callers ensure there are no exports left.
  void drop() noexcept {
    switch (kind) {
      case Kind::kView:
        PyBuffer_Release(&view);
        break;
      case Kind::kRaw:
        Py_XDECREF(owner);
        break;
      case Kind::kOwned:
        std::free(addr);
        break;
      case Kind::kMPI:
        if (addr && mpi_active()) MPI_Free_mem(addr);
        break;
      case Kind::kEmpty:
        break;
    }
    kind = Kind::kEmpty;
    owner = nullptr;
    addr = nullptr;
    size = 0;
  }

  void* data() const { return addr ? addr : static_cast<void*>(empty_bytes); }
  char* bytes() const { return static_cast<char*>(data()); }
};

MemoryBuffer& self_of(nb::handle obj) { return nb::cast<MemoryBuffer&>(obj); }

void require_live(const MemoryBuffer& b) {
  if (b.released) raise_value_error("operation forbidden on a released buffer");
}

void require_writable(const MemoryBuffer& b) {
  require_live(b);
  if (b.readonly) raise_type_error("buffer is read-only");
}

void require_no_exports(const MemoryBuffer& b) {
  if (b.exports > 0) {
    std::string message = "cannot release a buffer while " + std::to_string(b.exports) +
                          " view(s) of its memory exist";
    raise(PyExc_BufferError, message.c_str());
  }
}

// A ready, empty MPI.buffer instance and its state, to be filled by the caller.
std::pair<nb::object, MemoryBuffer*> new_instance() {
  nb::object obj = nb::inst_alloc(nb::type<MemoryBuffer>());
  MemoryBuffer* b = nb::inst_ptr<MemoryBuffer>(obj);
  new (b) MemoryBuffer();
  nb::inst_mark_ready(obj);
  return {std::move(obj), b};
}

// A new MPI.buffer over bytes [offset, offset + length) of `source`'s buffer
// (length -1: to the end), holding a view of `source` so its memory stays
// alive and unreleased.
nb::object view_of(nb::handle source, Py_ssize_t offset, Py_ssize_t length, bool readonly,
                   bool writable_required) {
  auto [obj, b] = new_instance();
  int flags = PyBUF_ANY_CONTIGUOUS | (writable_required ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(source.ptr(), &b->view, flags) != 0) throw nb::python_error();
  b->kind = MemoryBuffer::Kind::kView;
  if (length == -1) length = b->view.len - offset;
  if (offset < 0 || length < 0 || offset > b->view.len - length)
    raise(PyExc_IndexError, "buffer range out of bounds");
  b->addr = static_cast<char*>(b->view.buf) + offset;
  b->size = length;
  b->readonly = readonly || b->view.readonly;
  return std::move(obj);
}

int buffer_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  if (!nb::inst_ready(self)) {
    PyErr_SetString(PyExc_BufferError, "buffer object is not initialized");
    view->obj = nullptr;
    return -1;
  }
  MemoryBuffer* b = nb::inst_ptr<MemoryBuffer>(self);
  if (b->released) {
    PyErr_SetString(PyExc_ValueError, "operation forbidden on a released buffer");
    view->obj = nullptr;
    return -1;
  }
  if (PyBuffer_FillInfo(view, self, b->data(), b->size, b->readonly ? 1 : 0, flags) != 0) return -1;
  ++b->exports;
  return 0;
}

void buffer_releasebuffer(PyObject* self, Py_buffer*) {
  MemoryBuffer* b = nb::inst_ptr<MemoryBuffer>(self);
  if (b->exports > 0) --b->exports;
}

PyType_Slot buffer_slots[] = {
    {Py_bf_getbuffer, reinterpret_cast<void*>(buffer_getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(buffer_releasebuffer)},
    {0, nullptr},
};

// Resolve an index (negative counts from the end); IndexError out of range.
Py_ssize_t item_index(const MemoryBuffer& b, nb::handle item) {
  Py_ssize_t i = PyNumber_AsSsize_t(item.ptr(), PyExc_IndexError);
  if (i == -1 && PyErr_Occurred()) throw nb::python_error();
  if (i < 0) i += b.size;
  if (i < 0 || i >= b.size) raise(PyExc_IndexError, "buffer index out of range");
  return i;
}

// Resolve a slice to (start, length); only contiguous slices are supported.
std::pair<Py_ssize_t, Py_ssize_t> slice_range(const MemoryBuffer& b, nb::handle item) {
  Py_ssize_t start = 0, stop = 0, step = 0;
  if (PySlice_Unpack(item.ptr(), &start, &stop, &step) != 0) throw nb::python_error();
  Py_ssize_t length = PySlice_AdjustIndices(b.size, &start, &stop, step);
  if (step != 1) raise(PyExc_IndexError, "buffer slices must have step 1");
  return {start, length};
}

nb::object getitem(nb::handle self, nb::handle item) {
  MemoryBuffer& b = self_of(self);
  require_live(b);
  if (PySlice_Check(item.ptr())) {
    auto [start, length] = slice_range(b, item);
    return view_of(self, start, length, b.readonly, false);
  }
  if (!PyIndex_Check(item.ptr())) raise_type_error("buffer indices must be integers or slices");
  Py_ssize_t i = item_index(b, item);
  return nb::int_(static_cast<unsigned char>(b.bytes()[i]));
}

void setitem(nb::handle self, nb::handle item, nb::handle value) {
  MemoryBuffer& b = self_of(self);
  require_writable(b);
  if (PySlice_Check(item.ptr())) {
    auto [start, length] = slice_range(b, item);
    PyBuffer source;
    source.acquire(value, false);
    if (source.nbytes() != length) {
      std::string message = "cannot assign " + std::to_string(source.nbytes()) +
                            " bytes to a buffer slice of " + std::to_string(length) + " bytes";
      raise_value_error(message.c_str());
    }
    if (length > 0) std::memmove(b.bytes() + start, source.data(), static_cast<size_t>(length));
    return;
  }
  if (!PyIndex_Check(item.ptr())) raise_type_error("buffer indices must be integers or slices");
  Py_ssize_t i = item_index(b, item);
  if (!PyIndex_Check(value.ptr())) raise_type_error("buffer items must be integers");
  Py_ssize_t v = PyNumber_AsSsize_t(value.ptr(), PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  if (v < 0 || v > 255) raise_value_error("byte value must be in range(0, 256)");
  b.bytes()[i] = static_cast<char>(v);
}

void release(MemoryBuffer& b) {
  if (b.released) return;
  require_no_exports(b);
  b.drop();
  b.released = true;
}

nb::object alloc_mem(MPI_Aint size, const Info* info) {
  if (size < 0) raise_mpi_error(MPI_ERR_ARG);
  MPI_Info minfo = info ? info->ob_mpi : MPI_INFO_NULL;
  void* base = nullptr;
  check(MPI_Alloc_mem(size, minfo, &base));
  auto [obj, b] = new_instance();
  b->kind = MemoryBuffer::Kind::kMPI;
  b->addr = base;
  b->size = static_cast<Py_ssize_t>(size);
  return std::move(obj);
}

void free_mem(nb::handle mem) {
  MemoryBuffer* b = nullptr;
  if (!nb::try_cast<MemoryBuffer*>(mem, b) || b == nullptr)
    raise_type_error("Free_mem expects a buffer returned by Alloc_mem");
  if (b->released) raise_value_error("memory already freed or released");
  if (b->kind != MemoryBuffer::Kind::kMPI)
    raise_value_error("memory was not allocated with Alloc_mem");
  require_no_exports(*b);
  void* base = b->addr;
  b->kind = MemoryBuffer::Kind::kEmpty;
  b->addr = nullptr;
  b->size = 0;
  b->released = true;
  if (base) check(MPI_Free_mem(base));
}

MPI_Aint get_address(nb::handle location) {
  MPI_Aint address = 0;
  if (is_bottom(location)) {
    check(MPI_Get_address(MPI_BOTTOM, &address));
    return address;
  }
  PyBuffer buffer;
  buffer.acquire(location, false);
  check(MPI_Get_address(buffer.data(), &address));
  return address;
}

}  // namespace

nb::object buffer_from_address(void* address, Py_ssize_t nbytes, bool readonly, nb::handle owner) {
  auto [obj, b] = new_instance();
  b->kind = MemoryBuffer::Kind::kRaw;
  b->addr = address;
  b->size = nbytes;
  b->readonly = readonly;
  if (owner.is_valid() && !owner.is_none()) b->owner = owner.inc_ref().ptr();
  return std::move(obj);
}

void bind_memory(nb::module_& m, Classes& c) {
  (void)c;
  nb::class_<MemoryBuffer> cls(m, "buffer", nb::is_final(), nb::type_slots(buffer_slots),
                               "Buffer: raw memory exposing the buffer protocol.");
  cls.def(
      "__init__",
      [](MemoryBuffer* self, nb::handle obj) {
        if (obj.is_none()) {
          new (self) MemoryBuffer();
          return;
        }
        Py_buffer view;
        if (PyObject_GetBuffer(obj.ptr(), &view, PyBUF_ANY_CONTIGUOUS) != 0)
          throw nb::python_error();
        new (self) MemoryBuffer();
        self->kind = MemoryBuffer::Kind::kView;
        self->view = view;
        self->addr = view.buf;
        self->size = view.len;
        self->readonly = view.readonly;
      },
      nb::arg("buf") = nb::none());
  cls.def_static(
      "allocate",
      [](Py_ssize_t nbytes, bool clear) {
        if (nbytes < 0) raise_value_error("buffer size must be non-negative");
        size_t n = nbytes > 0 ? static_cast<size_t>(nbytes) : 1;
        void* memory = clear ? std::calloc(n, 1) : std::malloc(n);
        if (!memory) throw std::bad_alloc();
        auto [obj, b] = new_instance();
        b->kind = MemoryBuffer::Kind::kOwned;
        b->addr = memory;
        b->size = nbytes;
        return std::move(obj);
      },
      nb::arg("nbytes"), nb::arg("clear") = false, "Allocate a new buffer of `nbytes` bytes.");
  cls.def_static(
      "frombuffer",
      [](nb::handle obj, bool readonly) { return view_of(obj, 0, -1, readonly, !readonly); },
      nb::arg("obj"), nb::arg("readonly") = false,
      "A buffer viewing the memory of an object exposing the buffer protocol.");
  cls.def_static(
      "fromaddress",
      [](std::intptr_t address, Py_ssize_t nbytes, bool readonly) {
        if (nbytes < 0) raise_value_error("buffer size must be non-negative");
        if (address == 0 && nbytes > 0) raise_value_error("cannot create a buffer at address 0");
        return buffer_from_address(reinterpret_cast<void*>(address), nbytes, readonly);
      },
      nb::arg("address"), nb::arg("nbytes"), nb::arg("readonly") = false,
      "A buffer over raw memory; the caller guarantees the memory stays valid.");
  cls.def("__len__", [](const MemoryBuffer& b) { return b.size; });
  cls.def("__getitem__", &getitem);
  cls.def("__setitem__", &setitem);
  cls.def_prop_ro("address", [](const MemoryBuffer& b) {
    return b.released ? 0 : reinterpret_cast<std::intptr_t>(b.addr);
  });
  cls.def_prop_ro("nbytes", [](const MemoryBuffer& b) { return b.size; });
  cls.def_prop_ro("readonly", [](const MemoryBuffer& b) { return b.readonly; });
  cls.def_prop_ro("format", [](const MemoryBuffer&) { return "B"; });
  cls.def_prop_ro("itemsize", [](const MemoryBuffer&) { return 1; });
  cls.def_prop_ro("obj", [](const MemoryBuffer& b) -> nb::object {
    if (b.kind == MemoryBuffer::Kind::kView && b.view.obj) return nb::borrow(b.view.obj);
    if (b.kind == MemoryBuffer::Kind::kRaw && b.owner) return nb::borrow(b.owner);
    return nb::none();
  });
  cls.def(
      "tobytes",
      [](const MemoryBuffer& b, nb::handle order) {
        (void)order;  // one-dimensional bytes: every order gives the same result
        require_live(b);
        return nb::bytes(b.bytes(), static_cast<size_t>(b.size));
      },
      nb::arg("order") = nb::none(), "Return the data in the buffer as a bytes object.");
  cls.def(
      "toreadonly",
      [](nb::handle self) {
        MemoryBuffer& b = self_of(self);
        require_live(b);
        return view_of(self, 0, b.size, true, false);
      },
      "Return a read-only buffer viewing the same memory.");
  cls.def(
      "cast",
      [](nb::handle self, nb::handle format, nb::handle shape) {
        require_live(self_of(self));
        nb::object view = nb::steal(PyMemoryView_FromObject(self.ptr()));
        if (!view.is_valid()) throw nb::python_error();
        if (shape.is_none()) return view.attr("cast")(format);
        return view.attr("cast")(format, shape);
      },
      nb::arg("format"), nb::arg("shape") = nb::none(),
      "Cast to a memoryview with a new format and shape.");
  cls.def(
      "release", [](MemoryBuffer& b) { release(b); },
      "Release the memory (freed if the buffer owns it); BufferError while views of it exist.");
  cls.def("__repr__", [](const MemoryBuffer& b) {
    if (b.released) return std::string("<mpi4py.MPI.buffer (released)>");
    char address[32];
    std::snprintf(address, sizeof(address), "%p", b.addr);
    return "<mpi4py.MPI.buffer " + std::string(address) + " nbytes=" + std::to_string(b.size) +
           (b.readonly ? " readonly>" : ">");
  });
  m.attr("memory") = cls;

  m.def("Alloc_mem", &alloc_mem, nb::arg("size"), nb::arg("info") = nb::none(),
        "Allocate memory for message passing and remote memory access.");
  m.def("Free_mem", &free_mem, nb::arg("mem"), "Free memory allocated with Alloc_mem.");
  m.def("Get_address", &get_address, nb::arg("location"),
        "Get the address of a location in memory.");
  m.def(
      "Aint_add", [](MPI_Aint base, MPI_Aint disp) { return MPI_Aint_add(base, disp); },
      nb::arg("base"), nb::arg("disp"), "Return the sum of base address and displacement.");
  m.def(
      "Aint_diff", [](MPI_Aint addr1, MPI_Aint addr2) { return MPI_Aint_diff(addr1, addr2); },
      nb::arg("addr1"), nb::arg("addr2"), "Return the difference between absolute addresses.");
}

}  // namespace mpi4py
