// Process groups.

#include <array>
#include <optional>
#include <vector>

#include "types.hpp"

namespace mpi4py {

namespace {

int group_size(MPI_Group group) {
  int size = 0;
  check(MPI_Group_size(group, &size));
  return size;
}

int group_rank(MPI_Group group) {
  int rank = 0;
  check(MPI_Group_rank(group, &rank));
  return rank;
}

using Ranges = std::vector<std::tuple<int, int, int>>;

// Some libraries (Open MPI 4.1) do not validate ranks and crash on bad ones:
// check them here, raising what a validating library raises (ERR_RANK).
void check_ranks(MPI_Group group, const std::vector<int>& ranks, bool allow_proc_null) {
  int size = group_size(group);
  for (int rank : ranks)
    if ((rank < 0 || rank >= size) && !(allow_proc_null && rank == MPI_PROC_NULL))
      raise_mpi_error(MPI_ERR_RANK);
}

void check_ranges(MPI_Group group, const Ranges& ranges) {
  int size = group_size(group);
  for (const auto& [first, last, stride] : ranges) {
    if (stride == 0) raise_mpi_error(MPI_ERR_ARG);
    if (first < 0 || first >= size || last < 0 || last >= size) raise_mpi_error(MPI_ERR_RANK);
  }
}

std::vector<std::array<int, 3>> to_triplets(const Ranges& ranges) {
  std::vector<std::array<int, 3>> triplets;
  triplets.reserve(ranges.size());
  for (const auto& [first, last, stride] : ranges) triplets.push_back({first, last, stride});
  return triplets;
}

// Group constructors all return a new Group of the same Python type as self.
nb::object new_group(nb::handle self, MPI_Group group) {
  return wrap_as<Group>(self.type(), group);
}

}  // namespace

void bind_group(nb::module_& m, Classes& c) {
  auto& cls = c.group;
  bind_handle_basics<Group>(cls, MPI_GROUP_NULL);
  cls.def("Get_size", [](const Group& self) { return group_size(self.ob_mpi); });
  cls.def("Get_rank", [](const Group& self) { return group_rank(self.ob_mpi); });
  cls.def_prop_ro("size", [](const Group& self) { return group_size(self.ob_mpi); });
  cls.def_prop_ro("rank", [](const Group& self) { return group_rank(self.ob_mpi); });
  cls.def(
      "Translate_ranks",
      [](const Group& self, std::optional<std::vector<int>> ranks, const Group* other) {
        std::vector<int> in;
        if (ranks) {
          in = *ranks;
        } else {
          in.resize(static_cast<size_t>(group_size(self.ob_mpi)));
          for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int>(i);
        }
        MPI_Group group2 = other ? other->ob_mpi : MPI_GROUP_NULL;
        if (group2 == MPI_GROUP_NULL) group2 = self.ob_mpi;  // default: the group itself
        check_ranks(self.ob_mpi, in, true);
        std::vector<int> out(in.size(), MPI_UNDEFINED);
        check(MPI_Group_translate_ranks(self.ob_mpi, static_cast<int>(in.size()), in.data(), group2,
                                        out.data()));
        return out;
      },
      nb::arg("ranks") = nb::none(), nb::arg("group") = nb::none(),
      "Translate ranks in a group to those in another group.");
  cls.def(
      "Compare",
      [](const Group& self, const Group& other) {
        int result = MPI_UNEQUAL;
        check(MPI_Group_compare(self.ob_mpi, other.ob_mpi, &result));
        return result;
      },
      nb::arg("group"));
  auto set_op = [&cls](const char* name, int (*fn)(MPI_Group, MPI_Group, MPI_Group*)) {
    cls.def(
        name,
        [fn](nb::handle self, const Group& other) {
          MPI_Group group = MPI_GROUP_NULL;
          check(fn(nb::cast<Group&>(self).ob_mpi, other.ob_mpi, &group));
          return new_group(self, group);
        },
        nb::arg("group"));
  };
  set_op("Union", &MPI_Group_union);
  set_op("Intersection", &MPI_Group_intersection);
  set_op("Difference", &MPI_Group_difference);
  cls.def(
      "Incl",
      [](nb::handle self, std::vector<int> ranks) {
        MPI_Group group = MPI_GROUP_NULL;
        check_ranks(nb::cast<Group&>(self).ob_mpi, ranks, false);
        check(MPI_Group_incl(nb::cast<Group&>(self).ob_mpi, static_cast<int>(ranks.size()),
                             ranks.data(), &group));
        return new_group(self, group);
      },
      nb::arg("ranks"));
  cls.def(
      "Excl",
      [](nb::handle self, std::vector<int> ranks) {
        MPI_Group group = MPI_GROUP_NULL;
        check_ranks(nb::cast<Group&>(self).ob_mpi, ranks, false);
        check(MPI_Group_excl(nb::cast<Group&>(self).ob_mpi, static_cast<int>(ranks.size()),
                             ranks.data(), &group));
        return new_group(self, group);
      },
      nb::arg("ranks"));
  cls.def(
      "Range_incl",
      [](nb::handle self, const Ranges& ranges) {
        check_ranges(nb::cast<Group&>(self).ob_mpi, ranges);
        auto triplets = to_triplets(ranges);
        MPI_Group group = MPI_GROUP_NULL;
        check(MPI_Group_range_incl(nb::cast<Group&>(self).ob_mpi, static_cast<int>(triplets.size()),
                                   reinterpret_cast<int(*)[3]>(triplets.data()), &group));
        return new_group(self, group);
      },
      nb::arg("ranks"));
  cls.def(
      "Range_excl",
      [](nb::handle self, const Ranges& ranges) {
        check_ranges(nb::cast<Group&>(self).ob_mpi, ranges);
        auto triplets = to_triplets(ranges);
        MPI_Group group = MPI_GROUP_NULL;
        check(MPI_Group_range_excl(nb::cast<Group&>(self).ob_mpi, static_cast<int>(triplets.size()),
                                   reinterpret_cast<int(*)[3]>(triplets.data()), &group));
        return new_group(self, group);
      },
      nb::arg("ranks"));
  cls.def("Dup", [](nb::handle self) {
    // MPI has no group duplicate; excluding nobody gives an equal new group.
    MPI_Group group = MPI_GROUP_NULL;
    check(MPI_Group_excl(nb::cast<Group&>(self).ob_mpi, 0, nullptr, &group));
    return new_group(self, group);
  });
  cls.def("Free", [](Group& self) {
    if (self.predefined()) raise_mpi_error(MPI_ERR_GROUP);
    check(MPI_Group_free(&self.ob_mpi));
  });

  m.attr("GROUP_NULL") = wrap<Group>(MPI_GROUP_NULL, kPredefined);
  m.attr("GROUP_EMPTY") = wrap<Group>(MPI_GROUP_EMPTY, kPredefined);
}

}  // namespace mpi4py
