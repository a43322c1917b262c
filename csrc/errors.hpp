// MPI error classes/strings and the Python side of MPI.Exception.
#pragma once

#include <string>

#include "common.hpp"

namespace mpi4py {

// Remember MPI.Exception (defined in Python, see mpi4py/_exception.py).
void set_exception_type(nb::handle type);
int error_class(int errorcode);
std::string error_string(int errorcode);
void bind_errors(nb::module_& m);

}  // namespace mpi4py
