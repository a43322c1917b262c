// Reduction operations: predefined constants and basic queries.
#include "types.hpp"

namespace mpi4py {

void bind_op(nb::module_& m, Classes& c) {
  auto& cls = c.op;
  bind_handle_basics<Op>(cls, MPI_OP_NULL);
  cls.def("Is_commutative", [](const Op& self) {
    int commute = 0;
    check(MPI_Op_commutative(self.ob_mpi, &commute));
    return bool(commute);
  });
  cls.def_prop_ro("is_commutative", [](const Op& self) {
    int commute = 0;
    check(MPI_Op_commutative(self.ob_mpi, &commute));
    return bool(commute);
  });
  cls.def_prop_ro("is_predefined", [](const Op& self) {
    return self.predefined() || self.ob_mpi == MPI_OP_NULL;
  });

  const std::pair<const char*, MPI_Op> ops[] = {
      {"OP_NULL", MPI_OP_NULL}, {"MAX", MPI_MAX},       {"MIN", MPI_MIN},
      {"SUM", MPI_SUM},         {"PROD", MPI_PROD},     {"LAND", MPI_LAND},
      {"BAND", MPI_BAND},       {"LOR", MPI_LOR},       {"BOR", MPI_BOR},
      {"LXOR", MPI_LXOR},       {"BXOR", MPI_BXOR},     {"MAXLOC", MPI_MAXLOC},
      {"MINLOC", MPI_MINLOC},   {"REPLACE", MPI_REPLACE}, {"NO_OP", MPI_NO_OP},
  };
  for (const auto& [name, op] : ops) m.attr(name) = wrap<Op>(op, kPredefined);
}

}  // namespace mpi4py
