// Datatype lookups shared by the buffer path, and the pieces the datatype
// files (datatype*.cpp) share among themselves.
#pragma once

#include <string>
#include <utility>

#include "types.hpp"

namespace mpi4py {

// Datatype for a typecode string ('i', 'd', 'i4', 'Zd', ...); DATATYPE_NULL if unknown.
MPI_Datatype datatype_from_typecode(const char* code);
// Datatype for a PEP 3118 buffer format string; DATATYPE_NULL if it has no MPI match.
MPI_Datatype datatype_from_format(const char* format);
std::string datatype_name(MPI_Datatype type);

// Commit bookkeeping. Some libraries crash (rather than fail) when a derived
// datatype that was never committed reaches MPI_Pack_size and friends, so every
// datatype constructor here records its result as uncommitted until Commit.
// Handles that did not come from these constructors count as committed.
void note_uncommitted(MPI_Datatype type);
void note_committed(MPI_Datatype type);
bool is_uncommitted(MPI_Datatype type);
// Raise MPI.Exception(ERR_TYPE) for DATATYPE_NULL or a known-uncommitted datatype.
void require_committed(MPI_Datatype type);

// Raise MPI.Exception(ERR_TYPE) for DATATYPE_NULL; return the handle otherwise.
inline MPI_Datatype require_valid(MPI_Datatype type) {
  if (type == MPI_DATATYPE_NULL) raise_mpi_error(MPI_ERR_TYPE);
  return type;
}

// The combiner of a datatype (MPI_COMBINER_NAMED for predefined ones).
int datatype_combiner(MPI_Datatype type);
// Predefined in the MPI sense: named, or a Fortran 90 parameterized type. Such
// handles must never be passed to MPI_Type_free.
bool datatype_is_predefined(MPI_Datatype type);
// Free a handle obtained from MPI_Type_get_contents unless it is predefined.
void release_contents_type(MPI_Datatype type) noexcept;

// The module constant (MPI.INT, ...) bound for a named handle, or an invalid
// handle if there is none. When several names share a handle, the first
// bound one is returned.
nb::handle named_datatype(MPI_Datatype type);
// The module attribute name under which `obj` itself is bound, or nullptr.
const char* named_datatype_name(nb::handle obj);

// A new Datatype of Python type `type` (a Datatype class or subclass) owning
// a freshly constructed, not yet committed handle.
nb::object new_datatype(nb::handle type, MPI_Datatype handle);

// Rooms of the datatype binding, called by bind_datatype.
void bind_datatype_create(nb::module_& m, Classes& c);
void bind_datatype_decode(nb::module_& m, Classes& c);
void bind_datatype_codes(nb::module_& m, Classes& c);
void bind_datatype_pack(nb::module_& m, Classes& c);

}  // namespace mpi4py
