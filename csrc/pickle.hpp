// Object serialization: MPI.Pickle and the engine of the lowercase (object) API.
#pragma once

#include "common.hpp"

namespace mpi4py {

// Serialize `obj` with the active MPI.pickle. The result supports the buffer
// protocol (bytes, or whatever a custom dumps returns; str is UTF-8 encoded).
nb::object pickle_dumps(nb::handle obj);

// Deserialize from any bytes-like object with the active MPI.pickle.
nb::object pickle_loads(nb::handle data);

void bind_pickle(nb::module_& m);

}  // namespace mpi4py
