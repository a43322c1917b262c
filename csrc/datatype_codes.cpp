// NumPy/struct character codes of datatypes: typechar, typestr, tocode and
// fromcode.
#include <string>

#include "datatype.hpp"

namespace mpi4py {

namespace {

// How a predefined datatype maps to NumPy/struct codes: an explicit character
// (0: derive it from kind and size), a kind ('b' bool, 'i'/'u' integer, 'f'
// real, 'c' complex, 'S' char, 'U' wide char, 'p' address-sized integer), the
// size in bytes (0: ask MPI), and whether tocode() prefers the sized string.
struct TypeKind {
  MPI_Datatype type;
  char code;
  char kind;
  int size;
  bool sized;
};

const TypeKind kTypeKinds[] = {
    {MPI_PACKED, 'B', 'u', 1, false},
    {MPI_BYTE, 'B', 'u', 1, false},
    {MPI_AINT, 0, 'p', sizeof(MPI_Aint), false},
    {MPI_OFFSET, 0, 'p', sizeof(MPI_Offset), false},
    {MPI_COUNT, 0, 'p', sizeof(MPI_Count), false},
    {MPI_CHAR, 'c', 'S', 1, false},
    {MPI_WCHAR, 0, 'U', sizeof(wchar_t), false},
    {MPI_SIGNED_CHAR, 'b', 'i', 1, false},
    {MPI_SHORT, 'h', 'i', sizeof(short), false},
    {MPI_INT, 'i', 'i', sizeof(int), false},
    {MPI_LONG, 'l', 'i', sizeof(long), false},
    {MPI_LONG_LONG, 'q', 'i', sizeof(long long), false},
    {MPI_UNSIGNED_CHAR, 'B', 'u', 1, false},
    {MPI_UNSIGNED_SHORT, 'H', 'u', sizeof(short), false},
    {MPI_UNSIGNED, 'I', 'u', sizeof(int), false},
    {MPI_UNSIGNED_LONG, 'L', 'u', sizeof(long), false},
    {MPI_UNSIGNED_LONG_LONG, 'Q', 'u', sizeof(long long), false},
    {MPI_FLOAT, 'f', 'f', sizeof(float), false},
    {MPI_DOUBLE, 'd', 'f', sizeof(double), false},
    {MPI_LONG_DOUBLE, 'g', 'f', sizeof(long double), false},
    {MPI_C_BOOL, '?', 'b', 1, true},
    {MPI_CXX_BOOL, '?', 'b', 1, false},
    {MPI_INT8_T, 0, 'i', 1, true},
    {MPI_INT16_T, 0, 'i', 2, true},
    {MPI_INT32_T, 0, 'i', 4, true},
    {MPI_INT64_T, 0, 'i', 8, true},
    {MPI_UINT8_T, 0, 'u', 1, true},
    {MPI_UINT16_T, 0, 'u', 2, true},
    {MPI_UINT32_T, 0, 'u', 4, true},
    {MPI_UINT64_T, 0, 'u', 8, true},
    {MPI_C_COMPLEX, 'F', 'c', 2 * sizeof(float), false},
    {MPI_C_FLOAT_COMPLEX, 'F', 'c', 2 * sizeof(float), false},
    {MPI_C_DOUBLE_COMPLEX, 'D', 'c', 2 * sizeof(double), false},
    {MPI_C_LONG_DOUBLE_COMPLEX, 'G', 'c', 2 * sizeof(long double), false},
    {MPI_CXX_FLOAT_COMPLEX, 'F', 'c', 2 * sizeof(float), false},
    {MPI_CXX_DOUBLE_COMPLEX, 'D', 'c', 2 * sizeof(double), false},
    {MPI_CXX_LONG_DOUBLE_COMPLEX, 'G', 'c', 2 * sizeof(long double), false},
    {MPI_CHARACTER, 'c', 'S', 1, false},
    {MPI_LOGICAL, 0, 'b', 0, false},
    {MPI_INTEGER, 0, 'i', 0, false},
    {MPI_REAL, 0, 'f', 0, false},
    {MPI_DOUBLE_PRECISION, 0, 'f', 0, false},
    {MPI_COMPLEX, 0, 'c', 0, false},
    {MPI_DOUBLE_COMPLEX, 0, 'c', 0, false},
#ifdef MPI_LOGICAL1
    {MPI_LOGICAL1, 0, 'b', 1, true},
#endif
#ifdef MPI_LOGICAL2
    {MPI_LOGICAL2, 0, 'b', 2, true},
#endif
#ifdef MPI_LOGICAL4
    {MPI_LOGICAL4, 0, 'b', 4, true},
#endif
#ifdef MPI_LOGICAL8
    {MPI_LOGICAL8, 0, 'b', 8, true},
#endif
    {MPI_INTEGER1, 0, 'i', 1, true},
    {MPI_INTEGER2, 0, 'i', 2, true},
    {MPI_INTEGER4, 0, 'i', 4, true},
    {MPI_INTEGER8, 0, 'i', 8, true},
#ifdef MPI_INTEGER16
    {MPI_INTEGER16, 0, 'i', 16, true},
#endif
#ifdef MPI_REAL2
    {MPI_REAL2, 0, 'f', 2, true},
#endif
    {MPI_REAL4, 0, 'f', 4, true},
    {MPI_REAL8, 0, 'f', 8, true},
#ifdef MPI_REAL16
    {MPI_REAL16, 0, 'f', 16, true},
#endif
#ifdef MPI_COMPLEX4
    {MPI_COMPLEX4, 0, 'c', 4, true},
#endif
    {MPI_COMPLEX8, 0, 'c', 8, true},
    {MPI_COMPLEX16, 0, 'c', 16, true},
#ifdef MPI_COMPLEX32
    {MPI_COMPLEX32, 0, 'c', 32, true},
#endif
};

// The struct-module character for a kind and size, or 0 if there is none.
char kind_char(char kind, MPI_Count size) {
  switch (kind) {
    case 'b':
      return size == 1 ? '?' : kind_char('i', size);
    case 'i':
    case 'u': {
      bool u = kind == 'u';
      if (size == sizeof(char)) return u ? 'B' : 'b';
      if (size == sizeof(short)) return u ? 'H' : 'h';
      if (size == sizeof(int)) return u ? 'I' : 'i';
      if (size == sizeof(long)) return u ? 'L' : 'l';
      if (size == sizeof(long long)) return u ? 'Q' : 'q';
      return 0;
    }
    case 'f':
    case 'c': {
      MPI_Count n = kind == 'c' ? 2 : 1;
      bool c = kind == 'c';
      if (size == n * 2) return c ? 'E' : 'e';
      if (size == n * static_cast<MPI_Count>(sizeof(float))) return c ? 'F' : 'f';
      if (size == n * static_cast<MPI_Count>(sizeof(double))) return c ? 'D' : 'd';
      if (size == n * static_cast<MPI_Count>(sizeof(long double))) return c ? 'G' : 'g';
      return 0;
    }
    case 'S':
      return 'c';
    case 'U':
      return size == 4 ? 'U' : kind_char('u', size);
    case 'p':
      return size == sizeof(MPI_Aint) ? 'p' : kind_char('i', size);
    default:
      return 0;
  }
}

// The NumPy type string for a kind and size, or "" if there is none.
std::string kind_str(char kind, MPI_Count size) {
  std::string n = std::to_string(size);
  switch (kind) {
    case 'b':
      return size == 1 ? "b1" : kind_str('i', size);
    case 'i':
    case 'u':
      return (size == 1 || size == 2 || size == 4 || size == 8 || size == 16)
                 ? std::string(1, kind) + n
                 : "";
    case 'f':
      return (size == 2 || size == 4 || size == 8 || size == 12 || size == 16) ? "f" + n : "";
    case 'c':
      return (size == 4 || size == 8 || size == 16 || size == 24 || size == 32) ? "c" + n : "";
    case 'S':
      return "S1";
    case 'U':
      return size == 4 ? "U1" : kind_str('u', size);
    case 'p':
      return kind_str('i', size);
    default:
      return "";
  }
}

struct Codes {
  std::string chr;  // typechar, "" if none
  std::string str;  // typestr, "" if none
  bool sized = false;
};

MPI_Count type_size_of(MPI_Datatype type) {
  MPI_Count size = 0;
  check(MPI_Type_size_x(type, &size));
  return size;
}

Codes codes_of(MPI_Datatype type);

// A duplicate has the codes of the datatype it duplicates.
Codes codes_of_dup(MPI_Datatype type) {
  MPI_Datatype base = MPI_DATATYPE_NULL;
  int ints = 0;
  MPI_Aint addrs = 0;
#if MPI_VERSION >= 4
  MPI_Count counts = 0;
  check(MPI_Type_get_contents_c(type, 0, 0, 0, 1, &ints, &addrs, &counts, &base));
#else
  check(MPI_Type_get_contents(type, 0, 0, 1, &ints, &addrs, &base));
#endif
  struct Release {
    MPI_Datatype type;
    ~Release() { release_contents_type(type); }
  } release{base};
  return codes_of(base);
}

Codes codes_of(MPI_Datatype type) {
  Codes out;
  if (type == MPI_DATATYPE_NULL) return out;
  for (const TypeKind& entry : kTypeKinds) {
    if (entry.type == MPI_DATATYPE_NULL || entry.type != type) continue;
    MPI_Count size = entry.size ? entry.size : type_size_of(type);
    char chr = entry.code ? entry.code : kind_char(entry.kind, size);
    if (chr) out.chr = std::string(1, chr);
    out.str = kind_str(entry.kind, size);
    out.sized = entry.sized;
    return out;
  }
  int combiner = datatype_combiner(type);
  char kind = combiner == MPI_COMBINER_F90_INTEGER   ? 'i'
              : combiner == MPI_COMBINER_F90_REAL    ? 'f'
              : combiner == MPI_COMBINER_F90_COMPLEX ? 'c'
                                                     : 0;
  if (kind) {
    MPI_Count size = type_size_of(type);
    char chr = kind_char(kind, size);
    if (chr) out.chr = std::string(1, chr);
    out.str = kind_str(kind, size);
    out.sized = true;
  } else if (combiner == MPI_COMBINER_DUP) {
    out = codes_of_dup(type);
  }
  return out;
}

std::string extent_code(MPI_Datatype type) {
  MPI_Count lb = 0, extent = 0;
  check(MPI_Type_get_extent_x(type, &lb, &extent));
  return "V" + std::to_string(extent);
}

}  // namespace

void bind_datatype_codes(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.datatype;
  cls.def_prop_ro("typechar", [](const Datatype& self) -> std::string {
    if (self.ob_mpi == MPI_DATATYPE_NULL) return "";
    Codes codes = codes_of(self.ob_mpi);
    return codes.chr.empty() ? "V" : codes.chr;
  });
  cls.def_prop_ro("typestr", [](const Datatype& self) -> std::string {
    if (self.ob_mpi == MPI_DATATYPE_NULL) return "";
    Codes codes = codes_of(self.ob_mpi);
    return codes.str.empty() ? extent_code(self.ob_mpi) : codes.str;
  });
  cls.def(
      "tocode",
      [](const Datatype& self) {
        Codes codes = codes_of(self.ob_mpi);
        std::string code = codes.sized && !codes.str.empty() ? codes.str : codes.chr;
        if (code.empty())
          raise_value_error("cannot map the datatype to a character code or type string");
        return code;
      },
      "Return the character code or type string of a predefined datatype.");
  def_classmethod(
      cls, "fromcode",
      [](nb::handle, const std::string& code) -> nb::object {
        MPI_Datatype type = datatype_from_typecode(code.c_str());
        if (type == MPI_DATATYPE_NULL) {
          std::string message = "cannot map code '" + code + "' to an MPI datatype";
          raise_value_error(message.c_str());
        }
        if (nb::handle named = named_datatype(type); named.is_valid()) return nb::borrow(named);
        return wrap<Datatype>(type, kPredefined);
      },
      nb::arg("cls"), nb::arg("code"),
      "Return the predefined datatype for a character code or type string.");
}

}  // namespace mpi4py
