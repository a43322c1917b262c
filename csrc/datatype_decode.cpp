// Looking inside datatypes: envelope and contents, decode(), and pickling.
#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include "datatype.hpp"

namespace mpi4py {

namespace {

struct Envelope {
  MPI_Count ni = 0, na = 0, nc = 0, nd = 0;
  int combiner = MPI_UNDEFINED;
};

Envelope get_envelope(MPI_Datatype type) {
  Envelope e;
  require_valid(type);
#if MPI_VERSION >= 4
  check(MPI_Type_get_envelope_c(type, &e.ni, &e.na, &e.nc, &e.nd, &e.combiner));
#else
  int ni = 0, na = 0, nd = 0;
  check(MPI_Type_get_envelope(type, &ni, &na, &nd, &e.combiner));
  e.ni = ni;
  e.na = na;
  e.nd = nd;
#endif
  return e;
}

// The arguments a derived datatype was built from. Owns the datatype handles
// MPI returned and frees the derived ones when destroyed, unless released.
struct Contents {
  std::vector<int> i;
  std::vector<MPI_Aint> a;
  std::vector<MPI_Count> c;
  std::vector<MPI_Datatype> d;
  bool owner = true;

  Contents() = default;
  Contents(const Contents&) = delete;
  Contents& operator=(const Contents&) = delete;
  ~Contents() {
    if (owner)
      for (MPI_Datatype type : d) release_contents_type(type);
  }
  bool large() const { return !c.empty(); }
};

void get_contents(MPI_Datatype type, const Envelope& e, Contents& out) {
  // Never hand MPI a null array, even for zero entries.
  out.i.resize(static_cast<size_t>(e.ni) + 1);
  out.a.resize(static_cast<size_t>(e.na) + 1);
  out.c.resize(static_cast<size_t>(e.nc) + 1);
  out.d.assign(static_cast<size_t>(e.nd) + 1, MPI_DATATYPE_NULL);
#if MPI_VERSION >= 4
  int ierr = MPI_Type_get_contents_c(type, e.ni, e.na, e.nc, e.nd, out.i.data(), out.a.data(),
                                     out.c.data(), out.d.data());
#else
  int ierr =
      MPI_Type_get_contents(type, static_cast<int>(e.ni), static_cast<int>(e.na),
                            static_cast<int>(e.nd), out.i.data(), out.a.data(), out.d.data());
#endif
  out.i.resize(static_cast<size_t>(e.ni));
  out.a.resize(static_cast<size_t>(e.na));
  out.c.resize(static_cast<size_t>(e.nc));
  out.d.resize(static_cast<size_t>(e.nd));
  if (ierr != MPI_SUCCESS) out.d.clear();
  check(ierr);
}

const char* combiner_name(int combiner) {
  switch (combiner) {
    case MPI_COMBINER_NAMED:
      return "NAMED";
    case MPI_COMBINER_DUP:
      return "DUP";
    case MPI_COMBINER_CONTIGUOUS:
      return "CONTIGUOUS";
    case MPI_COMBINER_VECTOR:
      return "VECTOR";
    case MPI_COMBINER_HVECTOR:
      return "HVECTOR";
    case MPI_COMBINER_INDEXED:
      return "INDEXED";
    case MPI_COMBINER_HINDEXED:
      return "HINDEXED";
    case MPI_COMBINER_INDEXED_BLOCK:
      return "INDEXED_BLOCK";
    case MPI_COMBINER_HINDEXED_BLOCK:
      return "HINDEXED_BLOCK";
    case MPI_COMBINER_STRUCT:
      return "STRUCT";
    case MPI_COMBINER_SUBARRAY:
      return "SUBARRAY";
    case MPI_COMBINER_DARRAY:
      return "DARRAY";
    case MPI_COMBINER_RESIZED:
      return "RESIZED";
    case MPI_COMBINER_F90_INTEGER:
      return "F90_INTEGER";
    case MPI_COMBINER_F90_REAL:
      return "F90_REAL";
    case MPI_COMBINER_F90_COMPLEX:
      return "F90_COMPLEX";
#ifdef MPI_COMBINER_VALUE_INDEX
    case MPI_COMBINER_VALUE_INDEX:
      return "VALUE_INDEX";
#endif
    default:
      break;
  }
  std::string message = "unknown datatype combiner " + std::to_string(combiner);
  raise_value_error(message.c_str());
}

using TypeConverter = std::function<nb::object(MPI_Datatype)>;

// The constructor arguments of a derived datatype as keyword arguments of the
// matching Create_* method. `convert` turns component datatypes into Python
// objects (Datatype objects for decode(), descriptions for pickling).
// Layouts follow the MPI standard's tables for MPI_Type_get_contents, with
// and without large counts.
nb::dict decode_params(int combiner, const Contents& k, const TypeConverter& convert) {
  const bool large = k.large();
  auto I = [&](MPI_Count n) { return static_cast<MPI_Count>(k.i.at(static_cast<size_t>(n))); };
  auto A = [&](MPI_Count n) { return static_cast<MPI_Count>(k.a.at(static_cast<size_t>(n))); };
  auto C = [&](MPI_Count n) { return k.c.at(static_cast<size_t>(n)); };
  auto list = [](auto get, MPI_Count start, MPI_Count n) {
    nb::list out;
    for (MPI_Count j = 0; j < n; ++j) out.append(get(start + j));
    return out;
  };
  auto IC = [&](MPI_Count n) { return large ? C(n) : I(n); };  // count slot: int or large
  nb::dict p;
  switch (combiner) {
    case MPI_COMBINER_DUP:
      break;
    case MPI_COMBINER_CONTIGUOUS:
      p["count"] = IC(0);
      break;
    case MPI_COMBINER_VECTOR:
      p["count"] = IC(0);
      p["blocklength"] = IC(1);
      p["stride"] = IC(2);
      break;
    case MPI_COMBINER_HVECTOR:
      p["count"] = IC(0);
      p["blocklength"] = IC(1);
      p["stride"] = large ? C(2) : A(0);
      break;
    case MPI_COMBINER_INDEXED:
    case MPI_COMBINER_HINDEXED:
    case MPI_COMBINER_STRUCT: {
      MPI_Count n = IC(0);
      p["blocklengths"] = large ? list(C, 1, n) : list(I, 1, n);
      if (large)
        p["displacements"] = list(C, n + 1, n);
      else if (combiner == MPI_COMBINER_INDEXED)
        p["displacements"] = list(I, n + 1, n);
      else
        p["displacements"] = list(A, 0, n);
      if (combiner == MPI_COMBINER_STRUCT) {
        nb::list types;
        for (MPI_Count j = 0; j < n; ++j) types.append(convert(k.d.at(static_cast<size_t>(j))));
        p["datatypes"] = types;
      }
      break;
    }
    case MPI_COMBINER_INDEXED_BLOCK:
    case MPI_COMBINER_HINDEXED_BLOCK: {
      MPI_Count n = IC(0);
      p["blocklength"] = IC(1);
      if (large)
        p["displacements"] = list(C, 2, n);
      else if (combiner == MPI_COMBINER_INDEXED_BLOCK)
        p["displacements"] = list(I, 2, n);
      else
        p["displacements"] = list(A, 0, n);
      break;
    }
    case MPI_COMBINER_SUBARRAY: {
      MPI_Count n = I(0);
      if (large) {
        p["sizes"] = list(C, 0, n);
        p["subsizes"] = list(C, n, n);
        p["starts"] = list(C, 2 * n, n);
        p["order"] = I(1);
      } else {
        p["sizes"] = list(I, 1, n);
        p["subsizes"] = list(I, n + 1, n);
        p["starts"] = list(I, 2 * n + 1, n);
        p["order"] = I(3 * n + 1);
      }
      break;
    }
    case MPI_COMBINER_DARRAY: {
      MPI_Count n = I(2);
      p["size"] = I(0);
      p["rank"] = I(1);
      MPI_Count first = large ? 3 : n + 3;  // where distribs start
      p["gsizes"] = large ? list(C, 0, n) : list(I, 3, n);
      p["distribs"] = list(I, first, n);
      p["dargs"] = list(I, first + n, n);
      p["psizes"] = list(I, first + 2 * n, n);
      p["order"] = I(first + 3 * n);
      break;
    }
    case MPI_COMBINER_RESIZED:
      p["lb"] = large ? C(0) : A(0);
      p["extent"] = large ? C(1) : A(1);
      break;
    case MPI_COMBINER_F90_INTEGER:
      p["r"] = I(0);
      break;
    case MPI_COMBINER_F90_REAL:
    case MPI_COMBINER_F90_COMPLEX:
      p["p"] = I(0);
      p["r"] = I(1);
      break;
#ifdef MPI_COMBINER_VALUE_INDEX
    case MPI_COMBINER_VALUE_INDEX:
      p["value"] = convert(k.d.at(0));
      p["index"] = convert(k.d.at(1));
      break;
#endif
    default:
      combiner_name(combiner);  // raises for unknown combiners
  }
  return p;
}

// Whether the combiner's single component datatype is its "base" (the object
// Create_<combiner> is called on).
bool has_base(int combiner) {
  return combiner != MPI_COMBINER_NAMED && combiner != MPI_COMBINER_STRUCT &&
         combiner != MPI_COMBINER_F90_INTEGER && combiner != MPI_COMBINER_F90_REAL &&
         combiner != MPI_COMBINER_F90_COMPLEX
#ifdef MPI_COMBINER_VALUE_INDEX
         && combiner != MPI_COMBINER_VALUE_INDEX
#endif
      ;
}

// A Python object for a handle returned by MPI_Type_get_contents, which the
// caller then owns: the module constant for named types.
nb::object datatype_object(MPI_Datatype type) {
  if (nb::handle named = named_datatype(type); named.is_valid()) return nb::borrow(named);
  bool predefined = datatype_is_predefined(type);
  return wrap<Datatype>(type, predefined ? kPredefined : 0u);
}

nb::tuple decode(nb::handle self) {
  MPI_Datatype type = nb::cast<Datatype&>(self).ob_mpi;
  Envelope e = get_envelope(type);
  if (e.combiner == MPI_COMBINER_NAMED)
    return nb::make_tuple(self, combiner_name(e.combiner), nb::dict());
  Contents k;
  get_contents(type, e, k);
  // Wrap every returned handle first: from here on the Python objects own them.
  std::vector<nb::object> objects;
  for (MPI_Datatype t : k.d) objects.push_back(datatype_object(t));
  k.owner = false;
  size_t next = 0;
  TypeConverter take = [&](MPI_Datatype) { return objects.at(next++); };
  nb::object base = nb::borrow(named_datatype(MPI_DATATYPE_NULL));
  if (has_base(e.combiner)) base = objects.at(next++);
  nb::dict params = decode_params(e.combiner, k, take);
  return nb::make_tuple(base, combiner_name(e.combiner), params);
}

// Pickling. A derived datatype is described by plain data, recursively:
// (combiner name, keyword arguments, base description or None), where named
// datatypes appear as the module constants (pickled by name). Every handle
// MPI returns while describing is freed before returning.
nb::object describe(MPI_Datatype type) {
  Envelope e = get_envelope(type);
  if (e.combiner == MPI_COMBINER_NAMED) {
    nb::handle named = named_datatype(type);
    if (!named.is_valid()) raise_value_error("cannot pickle a named datatype mpi4py does not know");
    return nb::borrow(named);
  }
  Contents k;
  get_contents(type, e, k);
  nb::object base = nb::none();
  if (has_base(e.combiner)) base = describe(k.d.at(0));
  nb::dict params = decode_params(e.combiner, k, describe);
  return nb::make_tuple(combiner_name(e.combiner), params, base);
}

// The Datatype method that builds a datatype for a combiner name.
std::string constructor_name(const std::string& combiner) {
  if (combiner == "DUP") return "Dup";
  if (combiner == "VALUE_INDEX") return "Get_value_index";
  std::string name = "Create_" + combiner;
  for (size_t j = 7; j < name.size(); ++j)
    name[j] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[j])));
  return name;
}

// The inverse of describe(): a new datatype (not committed) from a description.
// Temporary component datatypes are freed once the result exists.
nb::object build(nb::handle datatype_class, nb::handle description) {
  if (nb::isinstance<Datatype>(description)) return nb::borrow(description);
  nb::tuple desc = nb::cast<nb::tuple>(description);
  if (nb::len(desc) != 3) raise_value_error("invalid datatype description");
  std::string combiner = nb::cast<std::string>(desc[0]);
  nb::dict params = nb::cast<nb::dict>(desc[1]);
  std::vector<nb::object> temporaries;
  auto build_temporary = [&](nb::handle d) {
    nb::object t = build(datatype_class, d);
    if (!nb::isinstance<Datatype>(d)) temporaries.push_back(t);
    return t;
  };
  nb::dict kwargs;
  for (auto [key, value] : params) {
    std::string name = nb::cast<std::string>(key);
    if (name == "datatypes") {
      nb::list types;
      for (nb::handle d : value) types.append(build_temporary(d));
      kwargs[key] = types;
    } else if (name == "value" || name == "index") {
      kwargs[key] = build_temporary(value);
    } else {
      kwargs[key] = value;
    }
  }
  nb::object result;
  try {
    std::string method = constructor_name(combiner);
    if (desc[2].is_none())
      result = datatype_class.attr(method.c_str())(**kwargs);
    else
      result = build_temporary(desc[2]).attr(method.c_str())(**kwargs);
  } catch (...) {
    for (nb::object& t : temporaries) t.attr("Free")();
    throw;
  }
  for (nb::object& t : temporaries) t.attr("Free")();
  return result;
}

}  // namespace

void bind_datatype_decode(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.datatype;
  auto envelope = [](const Datatype& self) {
    Envelope e = get_envelope(self.ob_mpi);
    return nb::make_tuple(e.ni, e.na, e.nc, e.nd, e.combiner);
  };
  auto contents = [](const Datatype& self) {
    Envelope e = get_envelope(self.ob_mpi);
    if (e.combiner == MPI_COMBINER_NAMED) raise_mpi_error(MPI_ERR_TYPE);
    Contents k;
    get_contents(self.ob_mpi, e, k);
    nb::list types;
    for (MPI_Datatype t : k.d) types.append(datatype_object(t));
    k.owner = false;
    nb::list ints, addrs, counts;
    for (int v : k.i) ints.append(v);
    for (MPI_Aint v : k.a) addrs.append(static_cast<MPI_Count>(v));
    for (MPI_Count v : k.c) counts.append(v);
    return nb::make_tuple(ints, addrs, counts, types);
  };
  cls.def("Get_envelope", envelope,
          "Return (num_integers, num_addresses, num_large_counts, num_datatypes, combiner).");
  cls.def_prop_ro("envelope", envelope);
  cls.def("Get_contents", contents,
          "Return the input arguments used to create a datatype: (integers, addresses, "
          "large_counts, datatypes). Derived datatypes in the result are new handles.");
  cls.def_prop_ro("contents", contents);
  cls.def("decode", &decode,
          "Decode a datatype into (base datatype, combiner name, constructor keyword arguments).");
  cls.def_prop_ro("combiner", [](const Datatype& self) { return datatype_combiner(self.ob_mpi); });
  cls.def_prop_ro("is_named", [](const Datatype& self) {
    return datatype_combiner(self.ob_mpi) == MPI_COMBINER_NAMED;
  });
  cls.def_prop_ro("is_predefined",
                  [](const Datatype& self) { return datatype_is_predefined(self.ob_mpi); });

  cls.def("__reduce__", [](nb::handle self) -> nb::object {
    MPI_Datatype type = nb::cast<Datatype&>(self).ob_mpi;
    if (const char* name = named_datatype_name(self)) return nb::str(name);
    if (type == MPI_DATATYPE_NULL) return nb::make_tuple(self.type(), nb::make_tuple());
    if (datatype_combiner(type) == MPI_COMBINER_NAMED) {
      nb::handle named = named_datatype(type);
      if (!named.is_valid())
        raise_value_error("cannot pickle a named datatype mpi4py does not know");
      return nb::make_tuple(self.type(), nb::make_tuple(named));
    }
    nb::tuple description = nb::cast<nb::tuple>(describe(type));
    // Datatype._rebuild, bound to the class: pickles as getattr(Datatype, name).
    nb::object rebuild = nb::type<Datatype>().attr("_rebuild");
    return nb::make_tuple(rebuild, description);
  });
  def_classmethod(
      cls, "_rebuild",
      [](nb::handle cls, nb::handle combiner, nb::handle params, nb::handle base) {
        nb::object result = build(cls, nb::make_tuple(combiner, params, base));
        return result.attr("Commit")();
      },
      nb::arg("cls"), nb::arg("combiner"), nb::arg("params"), nb::arg("base").none(),
      "Rebuild a pickled derived datatype (committed).");
}

}  // namespace mpi4py
