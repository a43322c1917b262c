// Minimal request support for the collectives' requests: the handle basics
// (construction, comparison, bool, handle), Request.Wait, Request.Test,
// Request.Waitall, Request.Free, Prequest.Start and Prequest.Startall.
//
// The request room (request.cpp) owns the full Request API. Each method here
// is bound only if request.cpp has not bound one of that name (the basics:
// unless it bound `handle`), so once the
// full versions exist this file is inert and can be deleted. Whatever replaces
// it must drop Request::keepalive when a request completes and call
// raise_pending_op_error() after completing one (a nonblocking reduction may
// have run a user-defined Op).
#include <vector>

#include "coll.hpp"

namespace mpi4py {

namespace {

// Drop what a finished nonpersistent request kept alive.
void after_completion(Request& request) {
  if (request.ob_mpi == MPI_REQUEST_NULL) request.keepalive = nb::object();
}

void store_status(Status* status, const MPI_Status& value) {
  if (status) status->ob_mpi = value;
}

std::vector<Request*> request_list(nb::handle requests) {
  std::vector<Request*> result;
  for (nb::handle item : requests) {
    Request* request = nullptr;
    if (!nb::try_cast<Request*>(item, request) || request == nullptr)
      raise_type_error("expected a sequence of Request objects");
    result.push_back(request);
  }
  return result;
}

}  // namespace

void bind_coll_request(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.request;
  if (!defines(cls, "handle")) {
    bind_handle_basics<Request>(cls, MPI_REQUEST_NULL);
    bind_handle_init<Prequest, Request>(c.prequest, MPI_REQUEST_NULL);
    bind_handle_init<Grequest, Request>(c.grequest, MPI_REQUEST_NULL);
  }
  if (!defines(cls, "Wait")) {
    cls.def(
        "Wait",
        [](Request& self, Status* status) {
          MPI_Status value;
          int ierr = nogil([&] { return MPI_Wait(&self.ob_mpi, &value); });
          after_completion(self);
          raise_pending_op_error();
          check(ierr);
          store_status(status, value);
          return true;
        },
        nb::arg("status") = nb::none(), "Wait for a send or receive to complete.");
  }
  if (!defines(cls, "Test")) {
    cls.def(
        "Test",
        [](Request& self, Status* status) {
          MPI_Status value;
          int flag = 0;
          int ierr = nogil([&] { return MPI_Test(&self.ob_mpi, &flag, &value); });
          after_completion(self);
          raise_pending_op_error();
          check(ierr);
          if (flag) store_status(status, value);
          return flag != 0;
        },
        nb::arg("status") = nb::none(), "Test for the completion of a send or receive.");
  }
  if (!defines(cls, "Waitall")) {
    cls.def_static(
        "Waitall",
        [](nb::handle requests, nb::handle statuses) {
          std::vector<Request*> list = request_list(requests);
          std::vector<MPI_Request> handles(list.size());
          std::vector<MPI_Status> values(list.size());
          for (size_t i = 0; i < list.size(); ++i) handles[i] = list[i]->ob_mpi;
          int count = static_cast<int>(handles.size());
          int ierr = nogil([&] { return MPI_Waitall(count, handles.data(), values.data()); });
          for (size_t i = 0; i < list.size(); ++i) {
            list[i]->ob_mpi = handles[i];
            after_completion(*list[i]);
          }
          raise_pending_op_error();
          check(ierr);
          if (PyList_Check(statuses.ptr())) {
            nb::list out = nb::borrow<nb::list>(statuses);
            for (size_t i = 0; i < values.size(); ++i) {
              Status* status = nullptr;
              if (i < nb::len(out) && nb::try_cast<Status*>(out[i], status) && status) {
                status->ob_mpi = values[i];
              } else {
                Status fresh;
                fresh.ob_mpi = values[i];
                if (i < nb::len(out))
                  out[i] = nb::cast(fresh);
                else
                  out.append(nb::cast(fresh));
              }
            }
          }
          return true;
        },
        nb::arg("requests"), nb::arg("statuses") = nb::none(),
        "Wait for all previously initiated requests to complete.");
  }
  if (!defines(cls, "Free")) {
    cls.def(
        "Free",
        [](Request& self) {
          // What the request keeps alive stays with this object: an active
          // operation may still use it.
          check(MPI_Request_free(&self.ob_mpi));
        },
        "Free a communication request.");
  }
  if (!defines(c.prequest, "Start")) {
    c.prequest.def(
        "Start", [](Prequest& self) { check(nogil([&] { return MPI_Start(&self.ob_mpi); })); },
        "Initiate a communication with a persistent request.");
  }
  if (!defines(c.prequest, "Startall")) {
    c.prequest.def_static(
        "Startall",
        [](nb::handle requests) {
          std::vector<Request*> list = request_list(requests);
          std::vector<MPI_Request> handles(list.size());
          for (size_t i = 0; i < list.size(); ++i) handles[i] = list[i]->ob_mpi;
          int count = static_cast<int>(handles.size());
          check(nogil([&] { return MPI_Startall(count, handles.data()); }));
          for (size_t i = 0; i < list.size(); ++i) list[i]->ob_mpi = handles[i];
        },
        nb::arg("requests"), "Start a collection of persistent requests.");
  }
}

}  // namespace mpi4py
