// Datatypes: predefined constants, typecode tables, and basic queries.
// (Derived datatype constructors live with the communicators issue's work.)
#include <string>

#include "datatype.hpp"

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
    case 'b': case 'B': case 'c': case '?': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'l': case 'L': return 4;
    case 'q': case 'Q': return 8;
    default: return 0;
  }
}

}  // namespace

MPI_Datatype datatype_from_typecode(const char* code) {
  if (code[0] == '\0') return MPI_DATATYPE_NULL;
  // Single characters are by far the common case (every buffer format).
  if (code[1] == '\0') {
    switch (code[0]) {
      case 'd': return MPI_DOUBLE;
      case 'i': return MPI_INT;
      case 'l': return MPI_LONG;
      case 'B': return MPI_UNSIGNED_CHAR;
      case 'b': return MPI_SIGNED_CHAR;
      case 'f': return MPI_FLOAT;
      default: break;
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
        case 1: return format[0] == '?' ? MPI_C_BOOL : (format[0] == 'c' ? MPI_CHAR : (is_unsigned ? MPI_UINT8_T : MPI_INT8_T));
        case 2: return is_unsigned ? MPI_UINT16_T : MPI_INT16_T;
        case 4: return is_unsigned ? MPI_UINT32_T : MPI_INT32_T;
        case 8: return is_unsigned ? MPI_UINT64_T : MPI_INT64_T;
        default: break;
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

void bind_datatype(nb::module_& m, Classes& c) {
  auto& cls = c.datatype;
  bind_handle_basics<Datatype>(cls, MPI_DATATYPE_NULL);
  cls.def("Get_size", [](const Datatype& self) {
    MPI_Count size = 0;
    check(MPI_Type_size_x(self.ob_mpi, &size));
    return size;
  });
  cls.def("Get_extent", [](const Datatype& self) {
    MPI_Count lb = 0, extent = 0;
    check(MPI_Type_get_extent_x(self.ob_mpi, &lb, &extent));
    return std::make_pair(lb, extent);
  });
  cls.def("Get_true_extent", [](const Datatype& self) {
    MPI_Count lb = 0, extent = 0;
    check(MPI_Type_get_true_extent_x(self.ob_mpi, &lb, &extent));
    return std::make_pair(lb, extent);
  });
  cls.def("Get_name", [](const Datatype& self) { return datatype_name(self.ob_mpi); });
  cls.def("Set_name", [](Datatype& self, const std::string& name) {
    check(MPI_Type_set_name(self.ob_mpi, name.c_str()));
  }, nb::arg("name"));
  cls.def_prop_ro("size", [](const Datatype& self) {
    MPI_Count size = 0;
    check(MPI_Type_size_x(self.ob_mpi, &size));
    return size;
  });
  cls.def_prop_ro("extent", [](const Datatype& self) {
    MPI_Count lb = 0, extent = 0;
    check(MPI_Type_get_extent_x(self.ob_mpi, &lb, &extent));
    return extent;
  });
  cls.def_prop_ro("lb", [](const Datatype& self) {
    MPI_Count lb = 0, extent = 0;
    check(MPI_Type_get_extent_x(self.ob_mpi, &lb, &extent));
    return lb;
  });
  cls.def_prop_ro("ub", [](const Datatype& self) {
    MPI_Count lb = 0, extent = 0;
    check(MPI_Type_get_extent_x(self.ob_mpi, &lb, &extent));
    return lb + extent;
  });
  cls.def_prop_rw(
      "name", [](const Datatype& self) { return datatype_name(self.ob_mpi); },
      [](Datatype& self, const std::string& name) {
        check(MPI_Type_set_name(self.ob_mpi, name.c_str()));
      });

  nb::dict typedict;
  for (const NamedType& entry : kNamedTypes) {
    nb::object obj = wrap<Datatype>(entry.type, kPredefined);
    m.attr(entry.name) = obj;
  }
  for (const TypeCode& entry : kTypeCodes)
    if (entry.type != MPI_DATATYPE_NULL) typedict[entry.code] = wrap<Datatype>(entry.type, kPredefined);
  m.attr("_typedict") = typedict;
}

}  // namespace mpi4py
