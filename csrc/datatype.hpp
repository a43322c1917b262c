// Datatype lookups shared by the buffer path.
#pragma once

#include <string>

#include "types.hpp"

namespace mpi4py {

// Datatype for a typecode string ('i', 'd', 'i4', 'Zd', ...); DATATYPE_NULL if unknown.
MPI_Datatype datatype_from_typecode(const char* code);
// Datatype for a PEP 3118 buffer format string; DATATYPE_NULL if it has no MPI match.
MPI_Datatype datatype_from_format(const char* format);
std::string datatype_name(MPI_Datatype type);

}  // namespace mpi4py
