// Info objects: the MPI calls, and the mapping interface on top of them
// (keys and values are str; INFO_NULL reads as an empty mapping).
#include <string>
#include <vector>

#include "kinds.hpp"

namespace mpi4py {

namespace {

// Keys and values must be str: anything else is a TypeError, never a repr.
std::string as_text(nb::handle obj, const char* what) {
  if (!PyUnicode_Check(obj.ptr())) {
    PyErr_Format(PyExc_TypeError, "Info %s must be str, not %s", what, Py_TYPE(obj.ptr())->tp_name);
    throw nb::python_error();
  }
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
  if (text == nullptr) throw nb::python_error();
  return std::string(text, static_cast<size_t>(size));
}

std::string checked_key(nb::handle obj) {
  std::string key = as_text(obj, "keys");
  if (key.empty() || key.size() > static_cast<size_t>(MPI_MAX_INFO_KEY))
    raise_mpi_error(MPI_ERR_INFO_KEY);
  return key;
}

std::string checked_value(nb::handle obj) {
  std::string value = as_text(obj, "values");
  if (value.size() > static_cast<size_t>(MPI_MAX_INFO_VAL)) raise_mpi_error(MPI_ERR_INFO_VALUE);
  return value;
}

// Mutations need a real info object: INFO_NULL (and INFO_ENV) are read-only.
MPI_Info writable(const Info& self) {
  if (is_builtin(self)) raise_mpi_error(MPI_ERR_INFO);
  return self.ob_mpi;
}

int nkeys(MPI_Info info) {
  if (info == MPI_INFO_NULL) return 0;
  int n = 0;
  check(MPI_Info_get_nkeys(info, &n));
  return n;
}

std::string nthkey(MPI_Info info, int n) {
  if (n < 0 || n >= nkeys(info)) raise_mpi_error(MPI_ERR_ARG);
  char key[MPI_MAX_INFO_KEY + 1] = {0};
  check(MPI_Info_get_nthkey(info, n, key));
  return std::string(key);
}

// The value of `key`, or nothing when the key is absent (or info is INFO_NULL).
std::optional<std::string> lookup(MPI_Info info, const std::string& key) {
  if (info == MPI_INFO_NULL) return std::nullopt;
  int flag = 0;
#if MPI_VERSION >= 4
  int length = 0;
  char probe[1] = {0};  // MPICH 4.0 rejects a null buffer even when asking the length
  check(MPI_Info_get_string(info, key.c_str(), &length, probe, &flag));
  if (!flag) return std::nullopt;
  std::vector<char> value(static_cast<size_t>(length) + 1, '\0');
  check(MPI_Info_get_string(info, key.c_str(), &length, value.data(), &flag));
  return std::string(value.data());
#else
  int length = 0;
  check(MPI_Info_get_valuelen(info, key.c_str(), &length, &flag));
  if (!flag) return std::nullopt;
  std::vector<char> value(static_cast<size_t>(length) + 1, '\0');
  check(MPI_Info_get(info, key.c_str(), length, value.data(), &flag));
  return std::string(value.data());
#endif
}

void set(const Info& self, nb::handle key, nb::handle value) {
  MPI_Info info = writable(self);
  std::string k = checked_key(key);
  std::string v = checked_value(value);
  check(MPI_Info_set(info, k.c_str(), v.c_str()));
}

// Remove `key`; false when it was not there.
bool remove(const Info& self, const std::string& key) {
  MPI_Info info = writable(self);
  if (!lookup(info, key)) return false;
  check(MPI_Info_delete(info, key.c_str()));
  return true;
}

std::vector<std::string> keys(MPI_Info info) {
  std::vector<std::string> out;
  int n = nkeys(info);
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(nthkey(info, i));
  return out;
}

[[noreturn]] void raise_key_error(nb::handle key) {
  PyErr_SetObject(PyExc_KeyError, key.ptr());
  throw nb::python_error();
}

// Info.update/Create accept an Info, a mapping (anything with keys()), or an
// iterable of (key, value) pairs.
void update_from(const Info& self, nb::handle items) {
  if (items.is_none()) return;
  Info* other = nullptr;
  if (nb::try_cast<Info*>(items, other) && other != nullptr) {
    MPI_Info source = other->ob_mpi;
    for (const std::string& key : keys(source)) {
      std::optional<std::string> value = lookup(source, key);
      if (value) check(MPI_Info_set(writable(self), key.c_str(), value->c_str()));
    }
    return;
  }
  if (nb::hasattr(items, "keys")) {
    for (nb::handle key : items.attr("keys")()) set(self, key, items[key]);
    return;
  }
  for (nb::handle pair : items) {
    nb::sequence item = nb::borrow<nb::sequence>(pair);
    if (!PySequence_Check(pair.ptr()) || nb::len(item) != 2)
      raise_type_error("Info items must be (key, value) pairs");
    set(self, item[0], item[1]);
  }
}

nb::object new_info(nb::handle type) {
  MPI_Info info = MPI_INFO_NULL;
  check(MPI_Info_create(&info));
  return wrap_as<Info>(type, info);
}

}  // namespace

void bind_info(nb::module_& m, Classes& c) {
  auto& cls = c.info;
  bind_handle_basics<Info>(cls, MPI_INFO_NULL);

  def_classmethod(
      cls, "Create",
      [](nb::handle type, nb::handle items) {
        nb::object info = new_info(type);
        try {
          update_from(nb::cast<const Info&>(info), items);
        } catch (...) {
          MPI_Info_free(&nb::inst_ptr<Info>(info)->ob_mpi);
          throw;
        }
        return info;
      },
      nb::arg("cls"), nb::arg("items") = nb::none(),
      "Create a new info object, optionally filled from a mapping or (key, value) pairs.");
  def_classmethod(
      cls, "Create_env",
      [](nb::handle type, std::optional<std::vector<std::string>> args) -> nb::object {
#if MPI_VERSION >= 4
        std::vector<char*> argv;
        if (args)
          for (std::string& arg : *args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Info_create_env(static_cast<int>(argv.size() - 1), argv.data(), &info));
        return wrap_as<Info>(type, info);
#else
        (void)type, (void)args;
        raise(PyExc_NotImplementedError, "Info.Create_env needs an MPI-4 library");
#endif
      },
      nb::arg("cls"), nb::arg("args") = nb::none(),
      "Create an info object describing the execution environment (MPI-4).");
  cls.def(
      "Free",
      [](Info& self) {
        if (is_builtin(self)) raise_mpi_error(MPI_ERR_INFO);
        check(MPI_Info_free(&self.ob_mpi));
      },
      "Free an info object.");
  cls.def(
      "Dup",
      [](nb::handle self) {
        MPI_Info info = MPI_INFO_NULL;
        MPI_Info source = nb::cast<const Info&>(self).ob_mpi;
        if (source == MPI_INFO_NULL) raise_mpi_error(MPI_ERR_INFO);
        check(MPI_Info_dup(source, &info));
        return wrap_as<Info>(self.type(), info);
      },
      "Duplicate an info object, keys, values and their order.");
  cls.def(
      "Get", [](const Info& self, nb::handle key) { return lookup(self.ob_mpi, checked_key(key)); },
      nb::arg("key"), "Return the value of `key`, or None if it is not set.");
  cls.def("Set", &set, nb::arg("key"), nb::arg("value"), "Set `key` to `value`.");
  cls.def(
      "Delete",
      [](const Info& self, nb::handle key) {
        if (!remove(self, checked_key(key))) raise_mpi_error(MPI_ERR_INFO_NOKEY);
      },
      nb::arg("key"), "Remove `key`; MPI.Exception(ERR_INFO_NOKEY) if it is not set.");
  cls.def(
      "Get_nkeys", [](const Info& self) { return nkeys(self.ob_mpi); },
      "Return the number of keys set.");
  cls.def(
      "Get_nthkey", [](const Info& self, int n) { return nthkey(self.ob_mpi, n); }, nb::arg("n"),
      "Return the n-th key (0-based).");

  // The mapping interface.
  cls.def("__len__", [](const Info& self) { return nkeys(self.ob_mpi); });
  cls.def("__contains__", [](const Info& self, nb::handle key) {
    if (!PyUnicode_Check(key.ptr())) return false;
    return lookup(self.ob_mpi, as_text(key, "keys")).has_value();
  });
  cls.def("__iter__", [](const Info& self) { return nb::iter(nb::cast(keys(self.ob_mpi))); });
  cls.def("__getitem__", [](const Info& self, nb::handle key) {
    std::optional<std::string> value = lookup(self.ob_mpi, as_text(key, "keys"));
    if (!value) raise_key_error(key);
    return *value;
  });
  cls.def("__setitem__", &set);
  cls.def("__delitem__", [](const Info& self, nb::handle key) {
    if (!remove(self, as_text(key, "keys"))) raise_key_error(key);
  });
  cls.def(
      "get",
      [](const Info& self, nb::handle key, nb::handle fallback) -> nb::object {
        std::optional<std::string> value = lookup(self.ob_mpi, as_text(key, "keys"));
        if (!value) return nb::borrow(fallback);
        return nb::str(value->c_str(), value->size());
      },
      nb::arg("key"), nb::arg("default") = nb::none(),
      "Return the value of `key`, or `default` if it is not set.");
  cls.def(
      "keys", [](const Info& self) { return keys(self.ob_mpi); }, "Return the keys, in order.");
  cls.def(
      "values",
      [](const Info& self) {
        std::vector<std::string> out;
        for (const std::string& key : keys(self.ob_mpi)) out.push_back(*lookup(self.ob_mpi, key));
        return out;
      },
      "Return the values, in key order.");
  cls.def(
      "items",
      [](const Info& self) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const std::string& key : keys(self.ob_mpi))
          out.emplace_back(key, *lookup(self.ob_mpi, key));
        return out;
      },
      "Return the (key, value) pairs, in order.");
  cls.def(
      "update",
      [](const Info& self, nb::handle items, nb::kwargs kwds) {
        update_from(self, items);
        update_from(self, kwds);
      },
      nb::arg("items") = nb::tuple(), nb::arg("kwds"),
      "Set keys from an Info, a mapping or (key, value) pairs, and keywords.");
  cls.def(
      "pop",
      [](const Info& self, nb::handle key, nb::args fallback) -> nb::object {
        if (fallback.size() > 1) raise_type_error("pop expected at most 2 arguments");
        std::string k = as_text(key, "keys");
        std::optional<std::string> value = lookup(self.ob_mpi, k);
        if (!value) {
          if (fallback.size() == 1) return nb::borrow(fallback[0]);
          raise_key_error(key);
        }
        remove(self, k);
        return nb::str(value->c_str(), value->size());
      },
      nb::arg("key"), nb::arg("default"),
      "Remove `key` and return its value (or `default`; KeyError without one).");
  cls.def(
      "popitem",
      [](const Info& self) {
        int n = nkeys(self.ob_mpi);
        if (n == 0) raise(PyExc_KeyError, "popitem(): info is empty");
        std::string key = nthkey(self.ob_mpi, n - 1);
        std::string value = *lookup(self.ob_mpi, key);
        remove(self, key);
        return std::make_pair(key, value);
      },
      "Remove and return the last (key, value) pair; KeyError when empty.");
  cls.def(
      "copy",
      [](nb::handle self) {
        MPI_Info source = nb::cast<const Info&>(self).ob_mpi;
        if (source == MPI_INFO_NULL) raise_mpi_error(MPI_ERR_INFO);
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Info_dup(source, &info));
        return wrap_as<Info>(self.type(), info);
      },
      "Return a new info object with the same items (Dup).");
  cls.def(
      "clear",
      [](const Info& self) {
        MPI_Info info = writable(self);
        for (int n = nkeys(info); n > 0; --n) {
          std::string key = nthkey(info, n - 1);
          check(MPI_Info_delete(info, key.c_str()));
        }
      },
      "Remove every key.");

  m.attr("INFO_NULL") = wrap<Info>(MPI_INFO_NULL, kPredefined);
  m.attr("INFO_ENV") = wrap<Info>(MPI_INFO_ENV, kPredefined);
}

}  // namespace mpi4py
