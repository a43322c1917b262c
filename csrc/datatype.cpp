// Datatypes: predefined constants, typecode tables, basic queries, and the
// life cycle (Dup, Commit, Free). Constructors are in datatype_create.cpp,
// decoding and pickling in datatype_decode.cpp, packing in datatype_pack.cpp.
#include "datatype.hpp"

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mpi4py {

namespace {

// Predefined datatypes, by Python name. A type the library lacks is absent here
// and bound as DATATYPE_NULL below by name.
struct NamedType {
  const char* name;
  MPI_Datatype type;
};

const NamedType kNamedTypes[] = {
    {"DATATYPE_NULL", MPI_DATATYPE_NULL},
    {"PACKED", MPI_PACKED},
    {"BYTE", MPI_BYTE},
    {"AINT", MPI_AINT},
    {"OFFSET", MPI_OFFSET},
    {"COUNT", MPI_COUNT},
    {"CHAR", MPI_CHAR},
    {"WCHAR", MPI_WCHAR},
    {"SIGNED_CHAR", MPI_SIGNED_CHAR},
    {"SHORT", MPI_SHORT},
    {"INT", MPI_INT},
    {"LONG", MPI_LONG},
    {"LONG_LONG", MPI_LONG_LONG},
    {"UNSIGNED_CHAR", MPI_UNSIGNED_CHAR},
    {"UNSIGNED_SHORT", MPI_UNSIGNED_SHORT},
    {"UNSIGNED", MPI_UNSIGNED},
    {"UNSIGNED_LONG", MPI_UNSIGNED_LONG},
    {"UNSIGNED_LONG_LONG", MPI_UNSIGNED_LONG_LONG},
    {"FLOAT", MPI_FLOAT},
    {"DOUBLE", MPI_DOUBLE},
    {"LONG_DOUBLE", MPI_LONG_DOUBLE},
    {"C_BOOL", MPI_C_BOOL},
    {"INT8_T", MPI_INT8_T},
    {"INT16_T", MPI_INT16_T},
    {"INT32_T", MPI_INT32_T},
    {"INT64_T", MPI_INT64_T},
    {"UINT8_T", MPI_UINT8_T},
    {"UINT16_T", MPI_UINT16_T},
    {"UINT32_T", MPI_UINT32_T},
    {"UINT64_T", MPI_UINT64_T},
    {"C_COMPLEX", MPI_C_COMPLEX},
    {"C_FLOAT_COMPLEX", MPI_C_FLOAT_COMPLEX},
    {"C_DOUBLE_COMPLEX", MPI_C_DOUBLE_COMPLEX},
    {"C_LONG_DOUBLE_COMPLEX", MPI_C_LONG_DOUBLE_COMPLEX},
    {"CXX_BOOL", MPI_CXX_BOOL},
    {"CXX_FLOAT_COMPLEX", MPI_CXX_FLOAT_COMPLEX},
    {"CXX_DOUBLE_COMPLEX", MPI_CXX_DOUBLE_COMPLEX},
    {"CXX_LONG_DOUBLE_COMPLEX", MPI_CXX_LONG_DOUBLE_COMPLEX},
    {"SHORT_INT", MPI_SHORT_INT},
    {"INT_INT", MPI_2INT},
    {"TWOINT", MPI_2INT},
    {"LONG_INT", MPI_LONG_INT},
    {"FLOAT_INT", MPI_FLOAT_INT},
    {"DOUBLE_INT", MPI_DOUBLE_INT},
    {"LONG_DOUBLE_INT", MPI_LONG_DOUBLE_INT},
    {"CHARACTER", MPI_CHARACTER},
    {"LOGICAL", MPI_LOGICAL},
    {"INTEGER", MPI_INTEGER},
    {"REAL", MPI_REAL},
    {"DOUBLE_PRECISION", MPI_DOUBLE_PRECISION},
    {"COMPLEX", MPI_COMPLEX},
    {"DOUBLE_COMPLEX", MPI_DOUBLE_COMPLEX},
#ifdef MPI_LOGICAL1
    {"LOGICAL1", MPI_LOGICAL1},
#else
    {"LOGICAL1", MPI_DATATYPE_NULL},
#endif
#ifdef MPI_LOGICAL2
    {"LOGICAL2", MPI_LOGICAL2},
#else
    {"LOGICAL2", MPI_DATATYPE_NULL},
#endif
#ifdef MPI_LOGICAL4
    {"LOGICAL4", MPI_LOGICAL4},
#else
    {"LOGICAL4", MPI_DATATYPE_NULL},
#endif
#ifdef MPI_LOGICAL8
    {"LOGICAL8", MPI_LOGICAL8},
#else
    {"LOGICAL8", MPI_DATATYPE_NULL},
#endif
    {"INTEGER1", MPI_INTEGER1},
    {"INTEGER2", MPI_INTEGER2},
    {"INTEGER4", MPI_INTEGER4},
    {"INTEGER8", MPI_INTEGER8},
#ifdef MPI_INTEGER16
    {"INTEGER16", MPI_INTEGER16},
#else
    {"INTEGER16", MPI_DATATYPE_NULL},
#endif
#ifdef MPI_REAL2
    {"REAL2", MPI_REAL2},
#else
    {"REAL2", MPI_DATATYPE_NULL},
#endif
    {"REAL4", MPI_REAL4},
    {"REAL8", MPI_REAL8},
#ifdef MPI_REAL16
    {"REAL16", MPI_REAL16},
#else
    {"REAL16", MPI_DATATYPE_NULL},
#endif
#ifdef MPI_COMPLEX4
    {"COMPLEX4", MPI_COMPLEX4},
#else
    {"COMPLEX4", MPI_DATATYPE_NULL},
#endif
    {"COMPLEX8", MPI_COMPLEX8},
    {"COMPLEX16", MPI_COMPLEX16},
#ifdef MPI_COMPLEX32
    {"COMPLEX32", MPI_COMPLEX32},
#else
    {"COMPLEX32", MPI_DATATYPE_NULL},
#endif
    // Aliases upstream provides.
    {"UNSIGNED_INT", MPI_UNSIGNED},
    {"SIGNED_SHORT", MPI_SHORT},
    {"SIGNED_INT", MPI_INT},
    {"SIGNED_LONG", MPI_LONG},
    {"SIGNED_LONG_LONG", MPI_LONG_LONG},
    {"BOOL", MPI_C_BOOL},
    {"SINT8_T", MPI_INT8_T},
    {"SINT16_T", MPI_INT16_T},
    {"SINT32_T", MPI_INT32_T},
    {"SINT64_T", MPI_INT64_T},
    {"F_BOOL", MPI_LOGICAL},
    {"F_INT", MPI_INTEGER},
    {"F_FLOAT", MPI_REAL},
    {"F_DOUBLE", MPI_DOUBLE_PRECISION},
    {"F_COMPLEX", MPI_COMPLEX},
    {"F_FLOAT_COMPLEX", MPI_COMPLEX},
    {"F_DOUBLE_COMPLEX", MPI_DOUBLE_COMPLEX},
};

// Typecodes (struct/NumPy characters and NumPy sized names) -> datatypes.
struct TypeCode {
  const char* code;
  MPI_Datatype type;
};

const TypeCode kTypeCodes[] = {
    {"?", MPI_C_BOOL},
    {"c", MPI_CHAR},
    {"b", MPI_SIGNED_CHAR},
    {"h", MPI_SHORT},
    {"i", MPI_INT},
    {"l", MPI_LONG},
    {"q", MPI_LONG_LONG},
    {"p", MPI_AINT},
    {"B", MPI_UNSIGNED_CHAR},
    {"H", MPI_UNSIGNED_SHORT},
    {"I", MPI_UNSIGNED},
    {"L", MPI_UNSIGNED_LONG},
    {"Q", MPI_UNSIGNED_LONG_LONG},
    {"f", MPI_FLOAT},
    {"d", MPI_DOUBLE},
    {"g", MPI_LONG_DOUBLE},
    {"F", MPI_C_FLOAT_COMPLEX},
    {"D", MPI_C_DOUBLE_COMPLEX},
    {"G", MPI_C_LONG_DOUBLE_COMPLEX},
    {"Zf", MPI_C_FLOAT_COMPLEX},
    {"Zd", MPI_C_DOUBLE_COMPLEX},
    {"Zg", MPI_C_LONG_DOUBLE_COMPLEX},
    {"b1", MPI_C_BOOL},
    {"i1", MPI_INT8_T},
    {"i2", MPI_INT16_T},
    {"i4", MPI_INT32_T},
    {"i8", MPI_INT64_T},
    {"u1", MPI_UINT8_T},
    {"u2", MPI_UINT16_T},
    {"u4", MPI_UINT32_T},
    {"u8", MPI_UINT64_T},
    {"f4", MPI_FLOAT},
    {"f8", MPI_DOUBLE},
    {"c8", MPI_C_FLOAT_COMPLEX},
    {"c16", MPI_C_DOUBLE_COMPLEX},
};

int sized_int_code(char code) {
  switch (code) {
    case 'b':
    case 'B':
    case 'c':
    case '?':
      return 1;
    case 'h':
    case 'H':
      return 2;
    case 'i':
    case 'I':
    case 'l':
    case 'L':
      return 4;
    case 'q':
    case 'Q':
      return 8;
    default:
      return 0;
  }
}

}  // namespace

MPI_Datatype datatype_from_typecode(const char* code) {
  if (code[0] == '\0') return MPI_DATATYPE_NULL;
  // Single characters are by far the common case (every buffer format).
  if (code[1] == '\0') {
    switch (code[0]) {
      case 'd':
        return MPI_DOUBLE;
      case 'i':
        return MPI_INT;
      case 'l':
        return MPI_LONG;
      case 'B':
        return MPI_UNSIGNED_CHAR;
      case 'b':
        return MPI_SIGNED_CHAR;
      case 'f':
        return MPI_FLOAT;
      default:
        break;
    }
  }
  for (const TypeCode& entry : kTypeCodes)
    if (std::string(entry.code) == code) return entry.type;
  return MPI_DATATYPE_NULL;
}

MPI_Datatype datatype_from_format(const char* format) {
  if (format == nullptr) return MPI_BYTE;  // PyBUF format absent means unsigned bytes
  char order = format[0];
  if (order == '@') {
    ++format;
  } else if (order == '=' || order == '<' || order == '>' || order == '!') {
    // Standard sizes and an explicit byte order: only the machine's own order maps
    // onto an MPI type, and integers take their standard (not native) sizes.
    const int one = 1;
    bool little = *reinterpret_cast<const char*>(&one) == 1;
    bool is_little = order == '<' || (order == '=' && little);
    if (order != '=' && is_little != little) return MPI_DATATYPE_NULL;
    ++format;
    if (format[0] != '\0' && format[1] == '\0') {
      bool is_unsigned = format[0] >= 'A' && format[0] <= 'Z' && format[0] != '?';
      switch (sized_int_code(format[0])) {
        case 1:
          return format[0] == '?'
                     ? MPI_C_BOOL
                     : (format[0] == 'c' ? MPI_CHAR : (is_unsigned ? MPI_UINT8_T : MPI_INT8_T));
        case 2:
          return is_unsigned ? MPI_UINT16_T : MPI_INT16_T;
        case 4:
          return is_unsigned ? MPI_UINT32_T : MPI_INT32_T;
        case 8:
          return is_unsigned ? MPI_UINT64_T : MPI_INT64_T;
        default:
          break;
      }
    }
  }
  return datatype_from_typecode(format);
}

std::string datatype_name(MPI_Datatype type) {
  if (type == MPI_DATATYPE_NULL) return "MPI_DATATYPE_NULL";
  char name[MPI_MAX_OBJECT_NAME + 1] = {0};
  int length = 0;
  check(MPI_Type_get_name(type, name, &length));
  return std::string(name, static_cast<size_t>(length));
}

namespace {

// Derived datatypes created here and not yet committed. Only touched with the
// GIL held, so it needs no lock of its own.
std::unordered_set<MPI_Datatype>& uncommitted_types() {
  static std::unordered_set<MPI_Datatype> types;
  return types;
}

// The module constants, in binding order: (handle, name, object). Borrowed
// references; the module attributes own the objects.
struct NamedObject {
  MPI_Datatype type;
  const char* name;
  PyObject* object;
};
std::vector<NamedObject>& named_objects() {
  static std::vector<NamedObject> objects;
  return objects;
}

}  // namespace

void note_uncommitted(MPI_Datatype type) {
  if (type != MPI_DATATYPE_NULL) uncommitted_types().insert(type);
}
void note_committed(MPI_Datatype type) { uncommitted_types().erase(type); }
bool is_uncommitted(MPI_Datatype type) { return uncommitted_types().count(type) != 0; }

void require_committed(MPI_Datatype type) {
  require_valid(type);
  if (is_uncommitted(type)) raise_mpi_error(MPI_ERR_TYPE);
}

int datatype_combiner(MPI_Datatype type) {
  require_valid(type);
  int combiner = MPI_UNDEFINED;
#if MPI_VERSION >= 4
  MPI_Count ni = 0, na = 0, nc = 0, nd = 0;
  check(MPI_Type_get_envelope_c(type, &ni, &na, &nc, &nd, &combiner));
#else
  int ni = 0, na = 0, nd = 0;
  check(MPI_Type_get_envelope(type, &ni, &na, &nd, &combiner));
#endif
  return combiner;
}

bool datatype_is_predefined(MPI_Datatype type) {
  if (type == MPI_DATATYPE_NULL) return true;
  int combiner = datatype_combiner(type);
  return combiner == MPI_COMBINER_NAMED || combiner == MPI_COMBINER_F90_INTEGER ||
         combiner == MPI_COMBINER_F90_REAL || combiner == MPI_COMBINER_F90_COMPLEX;
}

void release_contents_type(MPI_Datatype type) noexcept {
  // The commit bookkeeping is left alone: the handle may name a datatype that
  // the user still holds (libraries hand out the same handle again). Runs in
  // destructors, so errors are ignored rather than raised.
  if (type == MPI_DATATYPE_NULL || !mpi_active()) return;
  int combiner = MPI_UNDEFINED;
#if MPI_VERSION >= 4
  MPI_Count ni = 0, na = 0, nc = 0, nd = 0;
  if (MPI_Type_get_envelope_c(type, &ni, &na, &nc, &nd, &combiner) != MPI_SUCCESS) return;
#else
  int ni = 0, na = 0, nd = 0;
  if (MPI_Type_get_envelope(type, &ni, &na, &nd, &combiner) != MPI_SUCCESS) return;
#endif
  if (combiner == MPI_COMBINER_NAMED || combiner == MPI_COMBINER_F90_INTEGER ||
      combiner == MPI_COMBINER_F90_REAL || combiner == MPI_COMBINER_F90_COMPLEX)
    return;
  MPI_Type_free(&type);
}

nb::handle named_datatype(MPI_Datatype type) {
  for (const NamedObject& entry : named_objects())
    if (entry.type == type) return entry.object;
  return nb::handle();
}

const char* named_datatype_name(nb::handle obj) {
  for (const NamedObject& entry : named_objects())
    if (entry.object == obj.ptr()) return entry.name;
  return nullptr;
}

nb::object new_datatype(nb::handle type, MPI_Datatype handle) {
  note_uncommitted(handle);
  return wrap_as<Datatype>(type, handle);
}

namespace {

std::pair<MPI_Count, MPI_Count> type_extent(const Datatype& self) {
  MPI_Count lb = 0, extent = 0;
  check(MPI_Type_get_extent_x(require_valid(self.ob_mpi), &lb, &extent));
  return {lb, extent};
}

std::pair<MPI_Count, MPI_Count> type_true_extent(const Datatype& self) {
  MPI_Count lb = 0, extent = 0;
  check(MPI_Type_get_true_extent_x(require_valid(self.ob_mpi), &lb, &extent));
  return {lb, extent};
}

MPI_Count type_size(const Datatype& self) {
  MPI_Count size = 0;
  check(MPI_Type_size_x(require_valid(self.ob_mpi), &size));
  return size;
}

void set_name(Datatype& self, const std::string& name) {
  check(MPI_Type_set_name(require_valid(self.ob_mpi), name.c_str()));
}

// Free the handle held by `self`; predefined datatypes (named or Fortran 90
// parameterized) are refused with ERR_TYPE before MPI sees them: some
// libraries "free" them and corrupt their own state.
void free_type(Datatype& self) {
  if (self.predefined() || datatype_is_predefined(self.ob_mpi)) raise_mpi_error(MPI_ERR_TYPE);
  MPI_Datatype handle = self.ob_mpi;
  check(MPI_Type_free(&self.ob_mpi));
  note_committed(handle);
  self.ob_mpi = MPI_DATATYPE_NULL;
}

}  // namespace

void bind_datatype(nb::module_& m, Classes& c) {
  auto& cls = c.datatype;
  bind_handle_basics<Datatype>(cls, MPI_DATATYPE_NULL);
  cls.def("Get_size", &type_size,
          "Return the number of bytes occupied by entries in the datatype.");
  cls.def("Get_extent", &type_extent, "Return lower bound and extent of datatype.");
  cls.def("Get_true_extent", &type_true_extent,
          "Return the true lower bound and extent of a datatype.");
  cls.def("Get_name", [](const Datatype& self) { return datatype_name(self.ob_mpi); });
  cls.def("Set_name", &set_name, nb::arg("name"));
  cls.def_prop_ro("size", &type_size, "Size (in bytes).");
  cls.def_prop_ro("extent", [](const Datatype& self) { return type_extent(self).second; });
  cls.def_prop_ro("lb", [](const Datatype& self) { return type_extent(self).first; });
  cls.def_prop_ro("ub", [](const Datatype& self) {
    auto [lb, extent] = type_extent(self);
    return lb + extent;
  });
  cls.def_prop_ro("true_extent",
                  [](const Datatype& self) { return type_true_extent(self).second; });
  cls.def_prop_ro("true_lb", [](const Datatype& self) { return type_true_extent(self).first; });
  cls.def_prop_ro("true_ub", [](const Datatype& self) {
    auto [lb, extent] = type_true_extent(self);
    return lb + extent;
  });
  cls.def_prop_rw(
      "name", [](const Datatype& self) { return datatype_name(self.ob_mpi); }, &set_name);

  cls.def(
      "Dup",
      [](nb::handle self) {
        MPI_Datatype source = require_valid(nb::cast<Datatype&>(self).ob_mpi);
        MPI_Datatype type = MPI_DATATYPE_NULL;
        check(MPI_Type_dup(source, &type));
        // A duplicate shares the committed state of its source.
        bool uncommitted = is_uncommitted(source);
        nb::object result = wrap_as<Datatype>(self.type(), type);
        if (uncommitted) note_uncommitted(type);
        return result;
      },
      "Duplicate a datatype.");
  cls.attr("Create_dup") = cls.attr("Dup");
  cls.def(
      "Commit",
      [](nb::handle self) {
        Datatype& type = nb::cast<Datatype&>(self);
        require_valid(type.ob_mpi);
        MPI_Datatype handle = type.ob_mpi;
        check(MPI_Type_commit(&type.ob_mpi));
        note_committed(handle);
        note_committed(type.ob_mpi);
        return nb::borrow(self);
      },
      "Commit the datatype.");
  cls.def("Free", &free_type, "Free the datatype.");
  cls.def(
      "free",
      [](Datatype& self) {
        if (!mpi_active() || self.ob_mpi == MPI_DATATYPE_NULL) return;
        if (self.predefined() || datatype_is_predefined(self.ob_mpi)) return;
        free_type(self);
      },
      "Free the datatype unless it is null or predefined (no error otherwise).");

  bind_datatype_create(m, c);
  bind_datatype_decode(m, c);
  bind_datatype_codes(m, c);
  bind_datatype_pack(m, c);

  for (const NamedType& entry : kNamedTypes) {
    nb::object obj = wrap<Datatype>(entry.type, kPredefined);
    m.attr(entry.name) = obj;
    named_objects().push_back({entry.type, entry.name, obj.ptr()});
  }
  nb::dict typedict;
  for (const TypeCode& entry : kTypeCodes)
    if (entry.type != MPI_DATATYPE_NULL) typedict[entry.code] = named_datatype(entry.type);
  m.attr("_typedict") = typedict;

#define INT_CONST(name) m.attr(#name) = static_cast<int>(MPI_##name)
  INT_CONST(ORDER_C);
  INT_CONST(ORDER_FORTRAN);
  m.attr("ORDER_F") = static_cast<int>(MPI_ORDER_FORTRAN);
  INT_CONST(TYPECLASS_INTEGER);
  INT_CONST(TYPECLASS_REAL);
  INT_CONST(TYPECLASS_COMPLEX);
  INT_CONST(DISTRIBUTE_NONE);
  INT_CONST(DISTRIBUTE_BLOCK);
  INT_CONST(DISTRIBUTE_CYCLIC);
  INT_CONST(DISTRIBUTE_DFLT_DARG);
  INT_CONST(COMBINER_NAMED);
  INT_CONST(COMBINER_DUP);
  INT_CONST(COMBINER_CONTIGUOUS);
  INT_CONST(COMBINER_VECTOR);
  INT_CONST(COMBINER_HVECTOR);
  INT_CONST(COMBINER_INDEXED);
  INT_CONST(COMBINER_HINDEXED);
  INT_CONST(COMBINER_INDEXED_BLOCK);
  INT_CONST(COMBINER_HINDEXED_BLOCK);
  INT_CONST(COMBINER_STRUCT);
  INT_CONST(COMBINER_SUBARRAY);
  INT_CONST(COMBINER_DARRAY);
  INT_CONST(COMBINER_RESIZED);
  INT_CONST(COMBINER_F90_INTEGER);
  INT_CONST(COMBINER_F90_REAL);
  INT_CONST(COMBINER_F90_COMPLEX);
#undef INT_CONST
#ifdef MPI_COMBINER_VALUE_INDEX
  m.attr("COMBINER_VALUE_INDEX") = static_cast<int>(MPI_COMBINER_VALUE_INDEX);
#else
  // The library predates MPI-4.1: no datatype ever reports this combiner.
  m.attr("COMBINER_VALUE_INDEX") = static_cast<int>(MPI_UNDEFINED);
#endif
}

}  // namespace mpi4py
