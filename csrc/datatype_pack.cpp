// Pack and Unpack, native and external32.
//
// MPI libraries differ in how much of this they check: one writes past the end
// of a too-small output buffer, reads past the end of the input, or accepts a
// negative position; another crashes on a datatype that was never committed.
// So every call is checked here first: the datatype is committed, the position
// lies in the packed buffer, the packed bytes fit, and the item count is taken
// from what fits in the typed buffer without touching a byte outside it.
#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#include "buffer.hpp"
#include "datatype.hpp"

namespace mpi4py {

namespace {

// How many whole items of `type` lie inside `nbytes` bytes: as many extents as
// fit, fewer if the last item's data would reach past the end (a type resized
// to a smaller extent than its data).
MPI_Count items_in(MPI_Datatype type, Py_ssize_t nbytes) {
  if (nbytes == 0) return 0;
  MPI_Count lb = 0, extent = 0, true_lb = 0, true_extent = 0;
  check(MPI_Type_get_extent_x(type, &lb, &extent));
  check(MPI_Type_get_true_extent_x(type, &true_lb, &true_extent));
  if (extent <= 0)
    raise_value_error("cannot count items of a datatype whose extent is not positive");
  MPI_Count count = static_cast<MPI_Count>(nbytes) / extent;
  if (count == 0) return 0;
  if (true_lb < 0) raise_value_error("datatype reaches before the start of the buffer");
  MPI_Count reach = true_lb + true_extent;  // bytes the first item spans
  if (reach > nbytes) return 0;
  return std::min(count, (static_cast<MPI_Count>(nbytes) - reach) / extent + 1);
}

void check_position(MPI_Count position, Py_ssize_t nbytes) {
  if (position < 0 || position > static_cast<MPI_Count>(nbytes)) raise_mpi_error(MPI_ERR_ARG);
}

void check_room(MPI_Count position, MPI_Count needed, Py_ssize_t nbytes) {
  if (position + needed > static_cast<MPI_Count>(nbytes)) raise_mpi_error(MPI_ERR_TRUNCATE);
}

void check_datarep(const std::string& datarep) {
  if (datarep != "external32") raise_mpi_error(MPI_ERR_ARG);
}

#if MPI_VERSION < 4
int as_int(MPI_Count value) {
  if (value > INT_MAX) raise(PyExc_OverflowError, "count does not fit the MPI library's int");
  return static_cast<int>(value);
}
int clamp_int(Py_ssize_t value) { return value > INT_MAX ? INT_MAX : static_cast<int>(value); }
#endif

MPI_Count pack_size(MPI_Count count, MPI_Datatype type, MPI_Comm comm) {
#if MPI_VERSION >= 4
  MPI_Count size = 0;
  check(MPI_Pack_size_c(count, type, comm, &size));
  return size;
#else
  int size = 0;
  check(MPI_Pack_size(as_int(count), type, comm, &size));
  return size;
#endif
}

MPI_Count pack_external_size(const std::string& datarep, MPI_Count count, MPI_Datatype type) {
#if MPI_VERSION >= 4
  MPI_Count size = 0;
  check(MPI_Pack_external_size_c(datarep.c_str(), count, type, &size));
  return size;
#else
  MPI_Aint size = 0;
  check(MPI_Pack_external_size(datarep.c_str(), as_int(count), type, &size));
  return size;
#endif
}

MPI_Count pack(const Datatype& self, nb::handle inbuf, nb::handle outbuf, MPI_Count position,
               const Comm& comm) {
  MPI_Datatype type = self.ob_mpi;
  require_committed(type);
  PyBuffer in, out;
  in.acquire(inbuf, false);
  out.acquire(outbuf, true);
  MPI_Count count = items_in(type, in.nbytes());
  check_position(position, out.nbytes());
  check_room(position, pack_size(count, type, comm.ob_mpi), out.nbytes());
#if MPI_VERSION >= 4
  check(nogil([&] {
    return MPI_Pack_c(in.data(), count, type, out.data(), out.nbytes(), &position, comm.ob_mpi);
  }));
#else
  int pos = as_int(position);
  check(nogil([&] {
    return MPI_Pack(in.data(), as_int(count), type, out.data(), clamp_int(out.nbytes()), &pos,
                    comm.ob_mpi);
  }));
  position = pos;
#endif
  return position;
}

MPI_Count unpack(const Datatype& self, nb::handle inbuf, MPI_Count position, nb::handle outbuf,
                 const Comm& comm) {
  MPI_Datatype type = self.ob_mpi;
  require_committed(type);
  PyBuffer in, out;
  in.acquire(inbuf, false);
  out.acquire(outbuf, true);
  MPI_Count count = items_in(type, out.nbytes());
  check_position(position, in.nbytes());
  check_room(position, pack_size(count, type, comm.ob_mpi), in.nbytes());
#if MPI_VERSION >= 4
  check(nogil([&] {
    return MPI_Unpack_c(in.data(), in.nbytes(), &position, out.data(), count, type, comm.ob_mpi);
  }));
#else
  int pos = as_int(position);
  check(nogil([&] {
    return MPI_Unpack(in.data(), clamp_int(in.nbytes()), &pos, out.data(), as_int(count), type,
                      comm.ob_mpi);
  }));
  position = pos;
#endif
  return position;
}

MPI_Count pack_external(const Datatype& self, const std::string& datarep, nb::handle inbuf,
                        nb::handle outbuf, MPI_Count position) {
  MPI_Datatype type = self.ob_mpi;
  require_committed(type);
  check_datarep(datarep);
  PyBuffer in, out;
  in.acquire(inbuf, false);
  out.acquire(outbuf, true);
  MPI_Count count = items_in(type, in.nbytes());
  check_position(position, out.nbytes());
  check_room(position, pack_external_size(datarep, count, type), out.nbytes());
#if MPI_VERSION >= 4
  check(nogil([&] {
    return MPI_Pack_external_c(datarep.c_str(), in.data(), count, type, out.data(), out.nbytes(),
                               &position);
  }));
#else
  MPI_Aint pos = position;
  check(nogil([&] {
    return MPI_Pack_external(datarep.c_str(), in.data(), as_int(count), type, out.data(),
                             out.nbytes(), &pos);
  }));
  position = pos;
#endif
  return position;
}

MPI_Count unpack_external(const Datatype& self, const std::string& datarep, nb::handle inbuf,
                          MPI_Count position, nb::handle outbuf) {
  MPI_Datatype type = self.ob_mpi;
  require_committed(type);
  check_datarep(datarep);
  PyBuffer in, out;
  in.acquire(inbuf, false);
  out.acquire(outbuf, true);
  MPI_Count count = items_in(type, out.nbytes());
  check_position(position, in.nbytes());
  check_room(position, pack_external_size(datarep, count, type), in.nbytes());
#if MPI_VERSION >= 4
  check(nogil([&] {
    return MPI_Unpack_external_c(datarep.c_str(), in.data(), in.nbytes(), &position, out.data(),
                                 count, type);
  }));
#else
  MPI_Aint pos = position;
  check(nogil([&] {
    return MPI_Unpack_external(datarep.c_str(), in.data(), in.nbytes(), &pos, out.data(),
                               as_int(count), type);
  }));
  position = pos;
#endif
  return position;
}

}  // namespace

void bind_datatype_pack(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.datatype;
  cls.def("Pack", &pack, nb::arg("inbuf"), nb::arg("outbuf"), nb::arg("position"), nb::arg("comm"),
          "Pack as many items of this datatype as `inbuf` holds into `outbuf` at byte "
          "`position`; return the new position.");
  cls.def("Unpack", &unpack, nb::arg("inbuf"), nb::arg("position"), nb::arg("outbuf"),
          nb::arg("comm"),
          "Unpack from `inbuf` at byte `position` as many items of this datatype as `outbuf` "
          "holds; return the new position.");
  cls.def(
      "Pack_size",
      [](const Datatype& self, MPI_Count count, const Comm& comm) {
        require_committed(self.ob_mpi);
        if (count < 0) raise_mpi_error(MPI_ERR_COUNT);
        return pack_size(count, self.ob_mpi, comm.ob_mpi);
      },
      nb::arg("count"), nb::arg("comm"),
      "Return an upper bound on the bytes needed to pack `count` items.");
  cls.def("Pack_external", &pack_external, nb::arg("datarep"), nb::arg("inbuf"), nb::arg("outbuf"),
          nb::arg("position"),
          "Pack in the portable external32 representation; return the new position.");
  cls.def("Unpack_external", &unpack_external, nb::arg("datarep"), nb::arg("inbuf"),
          nb::arg("position"), nb::arg("outbuf"),
          "Unpack from the portable external32 representation; return the new position.");
  cls.def(
      "Pack_external_size",
      [](const Datatype& self, const std::string& datarep, MPI_Count count) {
        require_committed(self.ob_mpi);
        check_datarep(datarep);
        if (count < 0) raise_mpi_error(MPI_ERR_COUNT);
        return pack_external_size(datarep, count, self.ob_mpi);
      },
      nb::arg("datarep"), nb::arg("count"),
      "Return the bytes needed to pack `count` items in external32.");
}

}  // namespace mpi4py
