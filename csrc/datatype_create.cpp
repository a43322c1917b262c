// Derived datatype constructors (Create_contiguous ... Create_darray,
// Create_resized) and the class-level ones (Create_struct, Create_f90_*,
// Match_size, Get_value_index).
//
// Argument errors are caught here before MPI sees them, because libraries
// differ in what they check (one accepts a subarray larger than its array and
// builds a datatype that reads out of bounds): sequences of the wrong length
// raise ValueError, values the MPI standard calls erroneous raise
// MPI.Exception with the error class MPI assigns (ERR_COUNT, ERR_ARG, ERR_TYPE).
#include <limits>
#include <string>
#include <vector>

#include "datatype.hpp"

namespace mpi4py {

namespace {

using Counts = std::vector<MPI_Count>;

// A Python sequence of integers (list, tuple, array, ...) as counts.
Counts as_counts(nb::handle seq, const char* what) {
  PyObject* obj = seq.ptr();
  std::string message = std::string(what) + " must be a sequence of integers";
  if (PyUnicode_Check(obj) || PyBytes_Check(obj) || !PySequence_Check(obj))
    raise_type_error(message.c_str());
  nb::object fast = nb::steal(PySequence_Fast(obj, message.c_str()));
  if (!fast.is_valid()) throw nb::python_error();
  Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  Counts values(static_cast<size_t>(n));
  for (Py_ssize_t k = 0; k < n; ++k) {
    nb::object index = nb::steal(PyNumber_Index(items[k]));
    if (!index.is_valid()) {
      PyErr_Clear();
      raise_type_error(message.c_str());
    }
    long long value = PyLong_AsLongLong(index.ptr());
    if (value == -1 && PyErr_Occurred()) throw nb::python_error();
    values[static_cast<size_t>(k)] = value;
  }
  return values;
}

void require_length(const Counts& values, size_t expected, const char* what) {
  if (values.size() == expected) return;
  std::string message = "expected " + std::to_string(expected) + " " + what + ", got " +
                        std::to_string(values.size());
  raise_value_error(message.c_str());
}

void require_nonnegative(MPI_Count value, int errorclass) {
  if (value < 0) raise_mpi_error(errorclass);
}
void require_nonnegative(const Counts& values, int errorclass) {
  for (MPI_Count value : values) require_nonnegative(value, errorclass);
}

void require_order(int order) {
  if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN) raise_mpi_error(MPI_ERR_ARG);
}

// Values for the library's int/MPI_Aint arguments (MPI-3 libraries have no
// large-count constructors); OverflowError when they do not fit.
template <class T>
T narrow(MPI_Count value) {
  if (value < static_cast<MPI_Count>(std::numeric_limits<T>::min()) ||
      value > static_cast<MPI_Count>(std::numeric_limits<T>::max()))
    raise(PyExc_OverflowError, "value does not fit the MPI library's argument type");
  return static_cast<T>(value);
}

template <class T>
std::vector<T> narrow_all(const Counts& values) {
  std::vector<T> result;
  result.reserve(values.size());
  for (MPI_Count value : values) result.push_back(narrow<T>(value));
  return result;
}

std::vector<int> as_ints(const Counts& values) { return narrow_all<int>(values); }

// Thin wrappers: MPI-4 large-count entry points when the library has them.
#if MPI_VERSION >= 4
int type_contiguous(MPI_Count count, MPI_Datatype base, MPI_Datatype* type) {
  return MPI_Type_contiguous_c(count, base, type);
}
int type_vector(MPI_Count count, MPI_Count blocklength, MPI_Count stride, MPI_Datatype base,
                MPI_Datatype* type) {
  return MPI_Type_vector_c(count, blocklength, stride, base, type);
}
int type_hvector(MPI_Count count, MPI_Count blocklength, MPI_Count stride, MPI_Datatype base,
                 MPI_Datatype* type) {
  return MPI_Type_create_hvector_c(count, blocklength, stride, base, type);
}
int type_indexed(const Counts& blocklengths, const Counts& displs, MPI_Datatype base,
                 MPI_Datatype* type) {
  return MPI_Type_indexed_c(static_cast<MPI_Count>(blocklengths.size()), blocklengths.data(),
                            displs.data(), base, type);
}
int type_hindexed(const Counts& blocklengths, const Counts& displs, MPI_Datatype base,
                  MPI_Datatype* type) {
  return MPI_Type_create_hindexed_c(static_cast<MPI_Count>(blocklengths.size()),
                                    blocklengths.data(), displs.data(), base, type);
}
int type_indexed_block(MPI_Count blocklength, const Counts& displs, MPI_Datatype base,
                       MPI_Datatype* type) {
  return MPI_Type_create_indexed_block_c(static_cast<MPI_Count>(displs.size()), blocklength,
                                         displs.data(), base, type);
}
int type_hindexed_block(MPI_Count blocklength, const Counts& displs, MPI_Datatype base,
                        MPI_Datatype* type) {
  return MPI_Type_create_hindexed_block_c(static_cast<MPI_Count>(displs.size()), blocklength,
                                          displs.data(), base, type);
}
int type_struct(const Counts& blocklengths, const Counts& displs,
                const std::vector<MPI_Datatype>& types, MPI_Datatype* type) {
  return MPI_Type_create_struct_c(static_cast<MPI_Count>(blocklengths.size()), blocklengths.data(),
                                  displs.data(), types.data(), type);
}
int type_subarray(const Counts& sizes, const Counts& subsizes, const Counts& starts, int order,
                  MPI_Datatype base, MPI_Datatype* type) {
  return MPI_Type_create_subarray_c(static_cast<int>(sizes.size()), sizes.data(), subsizes.data(),
                                    starts.data(), order, base, type);
}
int type_darray(int size, int rank, const Counts& gsizes, const std::vector<int>& distribs,
                const std::vector<int>& dargs, const std::vector<int>& psizes, int order,
                MPI_Datatype base, MPI_Datatype* type) {
  return MPI_Type_create_darray_c(size, rank, static_cast<int>(gsizes.size()), gsizes.data(),
                                  distribs.data(), dargs.data(), psizes.data(), order, base, type);
}
int type_resized(MPI_Datatype base, MPI_Count lb, MPI_Count extent, MPI_Datatype* type) {
  return MPI_Type_create_resized_c(base, lb, extent, type);
}
#else
int type_contiguous(MPI_Count count, MPI_Datatype base, MPI_Datatype* type) {
  return MPI_Type_contiguous(narrow<int>(count), base, type);
}
int type_vector(MPI_Count count, MPI_Count blocklength, MPI_Count stride, MPI_Datatype base,
                MPI_Datatype* type) {
  return MPI_Type_vector(narrow<int>(count), narrow<int>(blocklength), narrow<int>(stride), base,
                         type);
}
int type_hvector(MPI_Count count, MPI_Count blocklength, MPI_Count stride, MPI_Datatype base,
                 MPI_Datatype* type) {
  return MPI_Type_create_hvector(narrow<int>(count), narrow<int>(blocklength),
                                 narrow<MPI_Aint>(stride), base, type);
}
int type_indexed(const Counts& blocklengths, const Counts& displs, MPI_Datatype base,
                 MPI_Datatype* type) {
  auto b = as_ints(blocklengths);
  auto d = as_ints(displs);
  return MPI_Type_indexed(narrow<int>(static_cast<MPI_Count>(b.size())), b.data(), d.data(), base,
                          type);
}
int type_hindexed(const Counts& blocklengths, const Counts& displs, MPI_Datatype base,
                  MPI_Datatype* type) {
  auto b = as_ints(blocklengths);
  auto d = narrow_all<MPI_Aint>(displs);
  return MPI_Type_create_hindexed(narrow<int>(static_cast<MPI_Count>(b.size())), b.data(), d.data(),
                                  base, type);
}
int type_indexed_block(MPI_Count blocklength, const Counts& displs, MPI_Datatype base,
                       MPI_Datatype* type) {
  auto d = as_ints(displs);
  return MPI_Type_create_indexed_block(narrow<int>(static_cast<MPI_Count>(d.size())),
                                       narrow<int>(blocklength), d.data(), base, type);
}
int type_hindexed_block(MPI_Count blocklength, const Counts& displs, MPI_Datatype base,
                        MPI_Datatype* type) {
  auto d = narrow_all<MPI_Aint>(displs);
  return MPI_Type_create_hindexed_block(narrow<int>(static_cast<MPI_Count>(d.size())),
                                        narrow<int>(blocklength), d.data(), base, type);
}
int type_struct(const Counts& blocklengths, const Counts& displs,
                const std::vector<MPI_Datatype>& types, MPI_Datatype* type) {
  auto b = as_ints(blocklengths);
  auto d = narrow_all<MPI_Aint>(displs);
  return MPI_Type_create_struct(narrow<int>(static_cast<MPI_Count>(b.size())), b.data(), d.data(),
                                types.data(), type);
}
int type_subarray(const Counts& sizes, const Counts& subsizes, const Counts& starts, int order,
                  MPI_Datatype base, MPI_Datatype* type) {
  auto s = as_ints(sizes);
  auto u = as_ints(subsizes);
  auto t = as_ints(starts);
  return MPI_Type_create_subarray(static_cast<int>(s.size()), s.data(), u.data(), t.data(), order,
                                  base, type);
}
int type_darray(int size, int rank, const Counts& gsizes, const std::vector<int>& distribs,
                const std::vector<int>& dargs, const std::vector<int>& psizes, int order,
                MPI_Datatype base, MPI_Datatype* type) {
  auto g = as_ints(gsizes);
  return MPI_Type_create_darray(size, rank, static_cast<int>(g.size()), g.data(), distribs.data(),
                                dargs.data(), psizes.data(), order, base, type);
}
int type_resized(MPI_Datatype base, MPI_Count lb, MPI_Count extent, MPI_Datatype* type) {
  return MPI_Type_create_resized(base, narrow<MPI_Aint>(lb), narrow<MPI_Aint>(extent), type);
}
#endif

// The handle of `self` (a Datatype), refusing DATATYPE_NULL.
MPI_Datatype base_of(nb::handle self) { return require_valid(nb::cast<Datatype&>(self).ob_mpi); }

// Check a subarray description the way the MPI standard states it.
void check_subarray(const Counts& sizes, const Counts& subsizes, const Counts& starts, int order) {
  if (sizes.empty()) raise_mpi_error(MPI_ERR_ARG);
  if (sizes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    raise_mpi_error(MPI_ERR_ARG);
  require_length(subsizes, sizes.size(), "subsizes");
  require_length(starts, sizes.size(), "starts");
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] < 1 || subsizes[k] < 0 || subsizes[k] > sizes[k] || starts[k] < 0 ||
        starts[k] > sizes[k] - subsizes[k])
      raise_mpi_error(MPI_ERR_ARG);
  }
  require_order(order);
}

// Check a distributed array description the way the MPI standard states it.
void check_darray(int size, int rank, const Counts& gsizes, const Counts& distribs,
                  const Counts& dargs, const Counts& psizes, int order) {
  if (gsizes.empty()) raise_mpi_error(MPI_ERR_ARG);
  require_length(distribs, gsizes.size(), "distribs");
  require_length(dargs, gsizes.size(), "dargs");
  require_length(psizes, gsizes.size(), "psizes");
  if (size < 1 || rank < 0 || rank >= size) raise_mpi_error(MPI_ERR_ARG);
  MPI_Count processes = 1;
  for (size_t k = 0; k < gsizes.size(); ++k) {
    MPI_Count g = gsizes[k], p = psizes[k], d = dargs[k];
    int distrib = static_cast<int>(distribs[k]);
    if (g < 1 || p < 1 || p > size) raise_mpi_error(MPI_ERR_ARG);
    if (distribs[k] != distrib ||
        (distrib != MPI_DISTRIBUTE_NONE && distrib != MPI_DISTRIBUTE_BLOCK &&
         distrib != MPI_DISTRIBUTE_CYCLIC))
      raise_mpi_error(MPI_ERR_ARG);
    if (d != MPI_DISTRIBUTE_DFLT_DARG && d < 1) raise_mpi_error(MPI_ERR_ARG);
    if (distrib == MPI_DISTRIBUTE_NONE && p != 1) raise_mpi_error(MPI_ERR_ARG);
    if (distrib == MPI_DISTRIBUTE_BLOCK && d != MPI_DISTRIBUTE_DFLT_DARG && d * p < g)
      raise_mpi_error(MPI_ERR_ARG);
    processes *= p;
  }
  if (processes != size) raise_mpi_error(MPI_ERR_ARG);
  require_order(order);
}

#if !(MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1))
// MPI_Type_get_value_index for libraries older than MPI-4.1: the predefined
// (value, int) pair types of MINLOC/MAXLOC.
MPI_Datatype value_index_type(MPI_Datatype value, MPI_Datatype index) {
  if (index != MPI_INT) return MPI_DATATYPE_NULL;
  if (value == MPI_FLOAT) return MPI_FLOAT_INT;
  if (value == MPI_DOUBLE) return MPI_DOUBLE_INT;
  if (value == MPI_LONG) return MPI_LONG_INT;
  if (value == MPI_INT) return MPI_2INT;
  if (value == MPI_SHORT) return MPI_SHORT_INT;
  if (value == MPI_LONG_DOUBLE) return MPI_LONG_DOUBLE_INT;
  return MPI_DATATYPE_NULL;
}
#endif

}  // namespace

void bind_datatype_create(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.datatype;
  cls.def(
      "Create_contiguous",
      [](nb::handle self, MPI_Count count) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        require_nonnegative(count, MPI_ERR_COUNT);
        check(type_contiguous(count, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("count"), "Create a contiguous datatype.");
  cls.def(
      "Create_vector",
      [](nb::handle self, MPI_Count count, MPI_Count blocklength, MPI_Count stride) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        require_nonnegative(count, MPI_ERR_COUNT);
        require_nonnegative(blocklength, MPI_ERR_ARG);
        check(type_vector(count, blocklength, stride, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("count"), nb::arg("blocklength"), nb::arg("stride"),
      "Create a vector (strided) datatype.");
  cls.def(
      "Create_hvector",
      [](nb::handle self, MPI_Count count, MPI_Count blocklength, MPI_Count stride) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        require_nonnegative(count, MPI_ERR_COUNT);
        require_nonnegative(blocklength, MPI_ERR_ARG);
        check(type_hvector(count, blocklength, stride, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("count"), nb::arg("blocklength"), nb::arg("stride"),
      "Create a vector (strided) datatype with stride in bytes.");
  cls.def(
      "Create_indexed",
      [](nb::handle self, nb::handle blocklengths, nb::handle displacements) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        Counts b = as_counts(blocklengths, "blocklengths");
        Counts d = as_counts(displacements, "displacements");
        require_length(d, b.size(), "displacements");
        require_nonnegative(b, MPI_ERR_ARG);
        check(type_indexed(b, d, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("blocklengths"), nb::arg("displacements"), "Create an indexed datatype.");
  cls.def(
      "Create_hindexed",
      [](nb::handle self, nb::handle blocklengths, nb::handle displacements) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        Counts b = as_counts(blocklengths, "blocklengths");
        Counts d = as_counts(displacements, "displacements");
        require_length(d, b.size(), "displacements");
        require_nonnegative(b, MPI_ERR_ARG);
        check(type_hindexed(b, d, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("blocklengths"), nb::arg("displacements"),
      "Create an indexed datatype with displacements in bytes.");
  cls.def(
      "Create_indexed_block",
      [](nb::handle self, MPI_Count blocklength, nb::handle displacements) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        Counts d = as_counts(displacements, "displacements");
        require_nonnegative(blocklength, MPI_ERR_ARG);
        check(type_indexed_block(blocklength, d, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("blocklength"), nb::arg("displacements"),
      "Create an indexed datatype with constant-sized blocks.");
  cls.def(
      "Create_hindexed_block",
      [](nb::handle self, MPI_Count blocklength, nb::handle displacements) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        Counts d = as_counts(displacements, "displacements");
        require_nonnegative(blocklength, MPI_ERR_ARG);
        check(type_hindexed_block(blocklength, d, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("blocklength"), nb::arg("displacements"),
      "Create an indexed datatype with constant-sized blocks and displacements in bytes.");
  def_classmethod(
      cls, "Create_struct",
      [](nb::handle cls, nb::handle blocklengths, nb::handle displacements, nb::handle datatypes) {
        Counts b = as_counts(blocklengths, "blocklengths");
        Counts d = as_counts(displacements, "displacements");
        require_length(d, b.size(), "displacements");
        if (PyUnicode_Check(datatypes.ptr()) || !PySequence_Check(datatypes.ptr()))
          raise_type_error("datatypes must be a sequence of Datatype objects");
        nb::sequence items = nb::borrow<nb::sequence>(datatypes);
        if (static_cast<size_t>(nb::len(items)) != b.size()) {
          std::string message = "expected " + std::to_string(b.size()) + " datatypes, got " +
                                std::to_string(nb::len(items));
          raise_value_error(message.c_str());
        }
        std::vector<MPI_Datatype> types;
        types.reserve(b.size());
        for (nb::handle item : items) {
          Datatype* t = nullptr;
          if (!nb::try_cast<Datatype*>(item, t) || t == nullptr)
            raise_type_error("datatypes must be a sequence of Datatype objects");
          types.push_back(require_valid(t->ob_mpi));
        }
        require_nonnegative(b, MPI_ERR_ARG);
        MPI_Datatype type = MPI_DATATYPE_NULL;
        check(type_struct(b, d, types, &type));
        return new_datatype(cls, type);
      },
      nb::arg("cls"), nb::arg("blocklengths"), nb::arg("displacements"), nb::arg("datatypes"),
      "Create a general composite (struct) datatype.");
  cls.def(
      "Create_subarray",
      [](nb::handle self, nb::handle sizes, nb::handle subsizes, nb::handle starts, int order) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        Counts s = as_counts(sizes, "sizes");
        Counts u = as_counts(subsizes, "subsizes");
        Counts t = as_counts(starts, "starts");
        check_subarray(s, u, t, order);
        check(type_subarray(s, u, t, order, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("sizes"), nb::arg("subsizes"), nb::arg("starts"),
      nb::arg("order") = static_cast<int>(MPI_ORDER_C),
      "Create a datatype for a subarray of a multidimensional array.");
  cls.def(
      "Create_darray",
      [](nb::handle self, int size, int rank, nb::handle gsizes, nb::handle distribs,
         nb::handle dargs, nb::handle psizes, int order) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        Counts g = as_counts(gsizes, "gsizes");
        Counts di = as_counts(distribs, "distribs");
        Counts da = as_counts(dargs, "dargs");
        Counts p = as_counts(psizes, "psizes");
        check_darray(size, rank, g, di, da, p, order);
        check(type_darray(size, rank, g, as_ints(di), as_ints(da), as_ints(p), order, base, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("size"), nb::arg("rank"), nb::arg("gsizes"), nb::arg("distribs"), nb::arg("dargs"),
      nb::arg("psizes"), nb::arg("order") = static_cast<int>(MPI_ORDER_C),
      "Create a datatype for a distributed array on Cartesian process grids.");
  cls.def(
      "Create_resized",
      [](nb::handle self, MPI_Count lb, MPI_Count extent) {
        MPI_Datatype base = base_of(self), type = MPI_DATATYPE_NULL;
        check(type_resized(base, lb, extent, &type));
        return new_datatype(self.type(), type);
      },
      nb::arg("lb"), nb::arg("extent"), "Create a datatype with a new lower bound and extent.");
  cls.attr("Resized") = cls.attr("Create_resized");

  // Fortran 90 parameterized and size-matched types are predefined: no Commit,
  // never freed.
  def_classmethod(
      cls, "Create_f90_integer",
      [](nb::handle cls, int r) {
        MPI_Datatype type = MPI_DATATYPE_NULL;
        check(MPI_Type_create_f90_integer(r, &type));
        return wrap_as<Datatype>(cls, type, kPredefined);
      },
      nb::arg("cls"), nb::arg("r"), "Return a bounded integer datatype.");
  def_classmethod(
      cls, "Create_f90_real",
      [](nb::handle cls, int p, int r) {
        MPI_Datatype type = MPI_DATATYPE_NULL;
        check(MPI_Type_create_f90_real(p, r, &type));
        return wrap_as<Datatype>(cls, type, kPredefined);
      },
      nb::arg("cls"), nb::arg("p"), nb::arg("r"), "Return a bounded real datatype.");
  def_classmethod(
      cls, "Create_f90_complex",
      [](nb::handle cls, int p, int r) {
        MPI_Datatype type = MPI_DATATYPE_NULL;
        check(MPI_Type_create_f90_complex(p, r, &type));
        return wrap_as<Datatype>(cls, type, kPredefined);
      },
      nb::arg("cls"), nb::arg("p"), nb::arg("r"), "Return a bounded complex datatype.");
  def_classmethod(
      cls, "Match_size",
      [](nb::handle cls, int typeclass, int size) {
        MPI_Datatype type = MPI_DATATYPE_NULL;
        check(MPI_Type_match_size(typeclass, size, &type));
        return wrap_as<Datatype>(cls, type, kPredefined);
      },
      nb::arg("cls"), nb::arg("typeclass"), nb::arg("size"),
      "Find a datatype matching a specified size in bytes.");
  def_classmethod(
      cls, "Get_value_index",
      [](nb::handle cls, const Datatype& value, const Datatype& index) {
        MPI_Datatype type = MPI_DATATYPE_NULL;
        require_valid(value.ob_mpi);
        require_valid(index.ob_mpi);
#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
        check(MPI_Type_get_value_index(value.ob_mpi, index.ob_mpi, &type));
#else
        type = value_index_type(value.ob_mpi, index.ob_mpi);
#endif
        return wrap_as<Datatype>(cls, type, kPredefined);
      },
      nb::arg("cls"), nb::arg("value"), nb::arg("index"),
      "Return a predefined (value, index) pair datatype, or DATATYPE_NULL if none exists.");
}

}  // namespace mpi4py
