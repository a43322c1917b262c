// Requests: Request, Prequest, Grequest, and the completion functions.
//
// A request object carries, in `keep`, what its operation owns (message specs,
// the object receive buffer). Completion releases it, except for persistent
// requests, which keep their specs until Free. Blocking completion calls run
// without the GIL.
#include <memory>
#include <vector>

#include "p2p.hpp"
#include "pickle.hpp"

namespace mpi4py {

namespace {

// ---------------------------------------------------------------------------
// Small arrays on the stack for the common short request lists.
template <class T, size_t N = 8>
class SmallArray {
 public:
  explicit SmallArray(size_t n) : size_(n) {
    if (n > N) {
      heap_.reset(new T[n]);
      data_ = heap_.get();
    } else {
      data_ = local_;
    }
  }
  T* data() { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  size_t size() const { return size_; }

 private:
  T local_[N];
  std::unique_ptr<T[]> heap_;
  T* data_;
  size_t size_;
};

// ---------------------------------------------------------------------------
// Orphans: operations whose request object went away (or was freed) while they
// could still be running. Their buffers stay alive here until MPI says the
// operation is complete; they are tested now and then, and dropped at exit.
struct Orphan {
  MPI_Request handle = MPI_REQUEST_NULL;
  bool persistent = false;
  MessageSpec send;
  MessageSpec recv;
  nb::object obj;
};

// Never destroyed: the entries hold Python references, and C++ static
// destruction runs after the interpreter is gone. Cleared by an atexit hook.
std::vector<std::unique_ptr<Orphan>>* orphans = new std::vector<std::unique_ptr<Orphan>>();
unsigned orphan_tick = 0;
size_t orphan_limit = 64;  // prune when the list grows past this (amortized O(1) per orphan)

void prune_orphans() {
  if (!mpi_active()) return;
  auto& list = *orphans;
  size_t kept = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    Orphan& o = *list[i];
    int flag = 1;
    if (o.handle != MPI_REQUEST_NULL) {
      if (MPI_Test(&o.handle, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) flag = 1;
      if (flag && o.persistent && o.handle != MPI_REQUEST_NULL) MPI_Request_free(&o.handle);
    }
    if (!flag) list[kept++] = std::move(list[i]);
  }
  list.resize(kept);
  orphan_limit = kept < 32 ? 64 : 2 * kept;
}

void park(MPI_Request handle, RequestKeep& keep) {
  auto orphan = std::make_unique<Orphan>();
  orphan->handle = handle;
  orphan->persistent = keep.persistent;
  orphan->send = std::move(keep.send);
  orphan->recv = std::move(keep.recv);
  orphan->obj = std::move(keep.obj);
  keep.done = true;
  orphans->push_back(std::move(orphan));
  if (orphans->size() >= orphan_limit) prune_orphans();
}

void drop_orphans() {
  if (mpi_active()) prune_orphans();
  orphans->clear();
}

PyTypeObject* keep_type = nullptr;  // never freed: keeps outlive nothing but the process

void keep_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  reinterpret_cast<KeepObject*>(self)->keep.~RequestKeep();
  type->tp_free(self);
  Py_DECREF(type);
}

PyTypeObject* make_keep_type() {
  PyType_Slot slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(&keep_dealloc)},
                         {Py_tp_doc, const_cast<char*>("Buffers owned by a pending request.")},
                         {0, nullptr}};
  PyType_Spec spec = {"mpi4py.MPI._RequestKeep", static_cast<int>(sizeof(KeepObject)), 0,
                      Py_TPFLAGS_DEFAULT, slots};
  PyObject* type = PyType_FromSpec(&spec);
  if (!type) throw nb::python_error();
  auto* result = reinterpret_cast<PyTypeObject*>(type);
  result->tp_new = nullptr;  // made by make_keep only
  return result;
}

// ---------------------------------------------------------------------------
// Exceptions raised by Grequest callbacks, which MPI calls from inside a
// completion function: kept for this thread and re-raised when that returns.
thread_local PyObject* pending_type = nullptr;
thread_local PyObject* pending_value = nullptr;
thread_local PyObject* pending_traceback = nullptr;

void stash_current_exception() {
  Py_XDECREF(pending_type);
  Py_XDECREF(pending_value);
  Py_XDECREF(pending_traceback);
  PyErr_Fetch(&pending_type, &pending_value, &pending_traceback);
}

// Check the result of a completion call: a callback's exception wins.
void check_completion(int ierr) {
  if (pending_type) [[unlikely]] {
    PyErr_Restore(pending_type, pending_value, pending_traceback);
    pending_type = pending_value = pending_traceback = nullptr;
    throw nb::python_error();
  }
  raise_pending_op_error();  // a nonblocking reduction may have run a Python Op
  check(ierr);
}

// ---------------------------------------------------------------------------
// Completion bookkeeping.

Request& as_request(nb::handle obj) {
  Request* r = nullptr;
  if (!nb::try_cast<Request*>(obj, r) || r == nullptr) {
    std::string message = std::string("expected a Request, got ") + Py_TYPE(obj.ptr())->tp_name;
    raise_type_error(message.c_str());
  }
  return *r;
}

// After MPI may have completed `r`: release what a finished operation owned.
// With `result`, also produce what the object API returns for it (the status
// must be a real one for object receives).
nb::object settle(Request& r, const MPI_Status* status, bool result) {
  // A live handle means still running, or persistent (inactive requests keep
  // their specs until Free): nothing to release or return yet.
  if (r.ob_mpi != MPI_REQUEST_NULL) return nb::none();
  RequestKeep* keep = keep_of(r);
  if (keep == nullptr) return nb::none();
  nb::object holder = std::move(r.keep);  // released on return, even if loads raises
  keep->done = true;
  if (!result) return nb::none();
  if (keep->kind == RequestKeep::kObject) return keep->obj;
  if (keep->kind == RequestKeep::kRecvObject && status != MPI_STATUS_IGNORE) {
    int cancelled = 0;
    check(MPI_Test_cancelled(status, &cancelled));
    if (cancelled) return nb::none();
    MPI_Count count = 0;
    check(get_count(status, MPI_BYTE, &count));
    return load_object(keep->obj, keep->recv.addr, count);
  }
  return nb::none();
}

// A statuses list argument: extended to `n` entries, first `n` set from `values`.
void fill_statuses(nb::handle statuses, const MPI_Status* values, size_t n) {
  if (statuses.is_none()) return;
  PyObject* list = statuses.ptr();
  if (!PyList_Check(list)) raise_type_error("statuses must be a list of Status or None");
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<Py_ssize_t>(i) < PyList_GET_SIZE(list)) {
      Status* s = nullptr;
      if (!nb::try_cast<Status*>(nb::handle(PyList_GET_ITEM(list, i)), s) || s == nullptr)
        raise_type_error("statuses must be a list of Status or None");
      s->ob_mpi = values[i];
    } else {
      Status s;
      s.ob_mpi = values[i];
      nb::object item = nb::cast(s);
      if (PyList_Append(list, item.ptr()) != 0) throw nb::python_error();
    }
  }
}

// A sequence of Request objects, held (strong references) while MPI works on
// their handles without the GIL.
class RequestList {
 public:
  explicit RequestList(nb::handle requests)
      : seq_(steal_fast(requests)),
        n_(static_cast<size_t>(PySequence_Fast_GET_SIZE(seq_.ptr()))),
        objects_(n_),
        handles_(n_) {
    PyObject** items = PySequence_Fast_ITEMS(seq_.ptr());
    for (size_t i = 0; i < n_; ++i) handles_[i] = as_request(items[i]).ob_mpi;
    // Nothing below throws: the destructor runs and drops these references.
    for (size_t i = 0; i < n_; ++i) {
      Py_INCREF(items[i]);
      objects_[i] = items[i];
    }
  }
  ~RequestList() {
    for (size_t i = 0; i < n_; ++i) Py_DECREF(objects_[i]);
  }
  RequestList(const RequestList&) = delete;
  RequestList& operator=(const RequestList&) = delete;

  int count() const { return static_cast<int>(n_); }
  size_t size() const { return n_; }
  MPI_Request* handles() { return handles_.data(); }
  Request& request(size_t i) { return *nb::inst_ptr<Request>(objects_[i]); }
  nb::handle object(size_t i) { return objects_[i]; }
  // Copy the handles MPI updated back into the objects.
  void store() {
    for (size_t i = 0; i < n_; ++i) request(i).ob_mpi = handles_[i];
  }

 private:
  static nb::object steal_fast(nb::handle requests) {
    PyObject* seq = PySequence_Fast(requests.ptr(), "requests must be a sequence of Request");
    if (!seq) throw nb::python_error();
    return nb::steal(seq);
  }
  nb::object seq_;
  size_t n_;
  SmallArray<PyObject*> objects_;
  SmallArray<MPI_Request> handles_;
};

MPI_Status* statuses_or_ignore(nb::handle statuses, SmallArray<MPI_Status>& array) {
  return statuses.is_none() ? MPI_STATUSES_IGNORE : array.data();
}

// The object-API result list for a request list after completion.
nb::list settle_all(RequestList& list, const MPI_Status* statuses) {
  nb::list results;
  for (size_t i = 0; i < list.size(); ++i)
    results.append(settle(list.request(i), &statuses[i], true));
  return results;
}

// ---------------------------------------------------------------------------
// Completion functions shared by the buffer and object APIs.

bool test_one(Request& r, MPI_Status* status) {
  int flag = 0;
  int ierr = MPI_Test(&r.ob_mpi, &flag, status);
  settle(r, status, false);
  check_completion(ierr);
  return flag != 0;
}

void wait_one(Request& r, MPI_Status* status) {
  int ierr = nogil([&] { return MPI_Wait(&r.ob_mpi, status); });
  settle(r, status, false);
  check_completion(ierr);
}

// MPI_Waitall. Open MPI 4 never returns from it when a receive in the list
// truncates a message that arrived before the receive was posted (and with a
// single process it does not report truncation at all), while MPI_Wait handles
// both: there, wait for each request in turn and report as MPI_Waitall would.
int wait_all(int count, MPI_Request* requests, MPI_Status* statuses) {
#if defined(OPEN_MPI) && OMPI_MAJOR_VERSION < 5
  int failed = 0, first_error = MPI_SUCCESS;
  SmallArray<int> errors(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    MPI_Status local;
    MPI_Status* status = statuses == MPI_STATUSES_IGNORE ? &local : &statuses[i];
    errors[i] = MPI_Wait(&requests[i], status);
    if (errors[i] != MPI_SUCCESS && failed++ == 0) first_error = errors[i];
  }
  if (failed == 0) return MPI_SUCCESS;
  if (statuses != MPI_STATUSES_IGNORE)
    for (int i = 0; i < count; ++i) statuses[i].MPI_ERROR = errors[i];
  return statuses == MPI_STATUSES_IGNORE && failed == 1 ? first_error : MPI_ERR_IN_STATUS;
#else
  return MPI_Waitall(count, requests, statuses);
#endif
}

nb::object waitall(nb::handle requests, nb::handle statuses, bool objects) {
  RequestList list(requests);
  SmallArray<MPI_Status> array(list.size());
  MPI_Status* st = objects ? array.data() : statuses_or_ignore(statuses, array);
  int ierr = nogil([&] { return wait_all(list.count(), list.handles(), st); });
  list.store();
  if (st != MPI_STATUSES_IGNORE) fill_statuses(statuses, st, list.size());
  if (ierr != MPI_SUCCESS || pending_type) {
    for (size_t i = 0; i < list.size(); ++i) settle(list.request(i), MPI_STATUS_IGNORE, false);
    check_completion(ierr);
  }
  if (!objects) {
    for (size_t i = 0; i < list.size(); ++i) settle(list.request(i), MPI_STATUS_IGNORE, false);
    return nb::bool_(true);
  }
  return settle_all(list, st);
}

nb::object testall(nb::handle requests, nb::handle statuses, bool objects) {
  RequestList list(requests);
  SmallArray<MPI_Status> array(list.size());
  MPI_Status* st = objects ? array.data() : statuses_or_ignore(statuses, array);
  int flag = 0;
  int ierr = MPI_Testall(list.count(), list.handles(), &flag, st);
  list.store();
  if (flag && st != MPI_STATUSES_IGNORE) fill_statuses(statuses, st, list.size());
  if (ierr != MPI_SUCCESS || pending_type) {
    for (size_t i = 0; i < list.size(); ++i) settle(list.request(i), MPI_STATUS_IGNORE, false);
    check_completion(ierr);
  }
  if (!objects) {
    if (flag)
      for (size_t i = 0; i < list.size(); ++i) settle(list.request(i), MPI_STATUS_IGNORE, false);
    return nb::bool_(flag != 0);
  }
  if (!flag) return nb::make_tuple(false, nb::none());
  return nb::make_tuple(true, settle_all(list, st));
}

// Waitany/Testany: (index, flag, object-or-None).
std::tuple<int, bool, nb::object> anyof(nb::handle requests, nb::handle status, bool blocking,
                                        bool objects) {
  RequestList list(requests);
  MPI_Status local;
  MPI_Status* st = status.is_none() ? (objects ? &local : MPI_STATUS_IGNORE) : status_arg(status);
  int index = MPI_UNDEFINED, flag = 0;
  int ierr;
  if (blocking) {
    ierr = nogil([&] { return MPI_Waitany(list.count(), list.handles(), &index, st); });
    flag = 1;
  } else {
    ierr = MPI_Testany(list.count(), list.handles(), &index, &flag, st);
  }
  list.store();
  nb::object result = nb::none();
  if (index >= 0 && index != MPI_UNDEFINED) {
    if (ierr != MPI_SUCCESS || pending_type) {
      settle(list.request(index), MPI_STATUS_IGNORE, false);
    } else {
      result = settle(list.request(index), st, objects);
    }
  }
  check_completion(ierr);
  return {index, flag != 0, result};
}

// Waitsome/Testsome: (indices-or-None, objects-or-None).
std::pair<nb::object, nb::object> someof(nb::handle requests, nb::handle statuses, bool blocking,
                                         bool objects) {
  RequestList list(requests);
  SmallArray<int> indices(list.size());
  SmallArray<MPI_Status> array(list.size());
  MPI_Status* st = objects ? array.data() : statuses_or_ignore(statuses, array);
  int outcount = MPI_UNDEFINED;
  int ierr;
  if (blocking) {
    ierr = nogil(
        [&] { return MPI_Waitsome(list.count(), list.handles(), &outcount, indices.data(), st); });
  } else {
    ierr = MPI_Testsome(list.count(), list.handles(), &outcount, indices.data(), st);
  }
  list.store();
  if (outcount == MPI_UNDEFINED) {
    check_completion(ierr);
    return {nb::none(), nb::none()};
  }
  if (st != MPI_STATUSES_IGNORE) fill_statuses(statuses, st, static_cast<size_t>(outcount));
  if (ierr != MPI_SUCCESS || pending_type) {
    for (int k = 0; k < outcount; ++k) settle(list.request(indices[k]), MPI_STATUS_IGNORE, false);
    check_completion(ierr);
  }
  nb::list index_list, results;
  for (int k = 0; k < outcount; ++k) {
    index_list.append(indices[k]);
    const MPI_Status* status = st == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &st[k];
    nb::object value = settle(list.request(indices[k]), status, objects);
    if (objects) results.append(value);
  }
  return {index_list, objects ? nb::object(results) : nb::none()};
}

// Non-destructive status queries. MPI-4.1 has the list forms; older libraries
// get them from MPI_Request_get_status, one request at a time.
bool get_status_one(MPI_Request handle, MPI_Status* status) {
  int flag = 0;
  check_completion(MPI_Request_get_status(handle, &flag, status));
  return flag != 0;
}

bool get_status_all(nb::handle requests, nb::handle statuses) {
  RequestList list(requests);
  SmallArray<MPI_Status> array(list.size());
  bool all = true;
  for (size_t i = 0; i < list.size(); ++i)
    all = get_status_one(list.handles()[i], &array[i]) && all;
  if (all) fill_statuses(statuses, array.data(), list.size());
  return all;
}

std::pair<int, bool> get_status_any(nb::handle requests, nb::handle status) {
  RequestList list(requests);
  MPI_Status* st = status_arg(status);
  bool any_active = false;
  for (size_t i = 0; i < list.size(); ++i) {
    MPI_Request h = list.handles()[i];
    if (h == MPI_REQUEST_NULL) continue;
    MPI_Status local;
    if (get_status_one(h, &local)) {
      // A null or inactive request also reports "complete": MPI skips those.
      if (st != MPI_STATUS_IGNORE) *st = local;
      return {static_cast<int>(i), true};
    }
    any_active = true;
  }
  if (!any_active) return {MPI_UNDEFINED, true};
  return {MPI_UNDEFINED, false};
}

nb::object get_status_some(nb::handle requests, nb::handle statuses) {
  RequestList list(requests);
  SmallArray<MPI_Status> array(list.size());
  nb::list indices;
  size_t found = 0;
  bool any_active = false;
  for (size_t i = 0; i < list.size(); ++i) {
    MPI_Request h = list.handles()[i];
    if (h == MPI_REQUEST_NULL) continue;
    any_active = true;
    if (get_status_one(h, &array[found])) {
      indices.append(static_cast<int>(i));
      ++found;
    }
  }
  if (!any_active) return nb::none();
  fill_statuses(statuses, array.data(), found);
  return indices;
}

// ---------------------------------------------------------------------------
// Generalized requests: Python callbacks behind MPI_Grequest_start.
struct GreqState {
  nb::object query_fn, free_fn, cancel_fn, args, kwargs;
};

// Call fn(*prefix, *args, **kwargs); returns an MPI error code (an exception
// is stashed for the completion call to re-raise).
int call_python(GreqState& state, nb::handle fn, nb::handle first) {
  if (fn.is_none()) return MPI_SUCCESS;
  try {
    nb::object args = state.args.is_none() ? nb::object(nb::tuple()) : state.args;
    if (first.is_valid())
      args = nb::steal(PySequence_Concat(nb::make_tuple(first).ptr(), args.ptr()));
    if (!args.is_valid()) throw nb::python_error();
    PyObject* kwargs = state.kwargs.is_none() ? nullptr : state.kwargs.ptr();
    PyObject* result = PyObject_Call(fn.ptr(), args.ptr(), kwargs);
    if (!result) throw nb::python_error();
    Py_DECREF(result);
    return MPI_SUCCESS;
  } catch (nb::python_error& error) {
    int code = MPI_ERR_OTHER;
    nb::object exception_type = nb::module_::import_("mpi4py.MPI").attr("Exception");
    if (error.matches(exception_type)) {
      PyObject* value = error.value().ptr();
      long ierr = PyLong_AsLong(value);
      if (ierr == -1 && PyErr_Occurred()) PyErr_Clear();
      if (ierr > 0) code = static_cast<int>(ierr);
    }
    error.restore();
    stash_current_exception();
    return code;
  } catch (...) {
    return MPI_ERR_OTHER;
  }
}

int greq_query(void* extra, MPI_Status* status) {
  if (!Py_IsInitialized()) return MPI_SUCCESS;
  nb::gil_scoped_acquire gil;
  GreqState& state = *static_cast<GreqState*>(extra);
  Status initial;
  *status = initial.ob_mpi;
  if (state.query_fn.is_none()) return MPI_SUCCESS;
  nb::object py_status = nb::cast(initial);
  int ierr = call_python(state, state.query_fn, py_status);
  *status = nb::inst_ptr<Status>(py_status)->ob_mpi;
  return ierr;
}

int greq_free(void* extra) {
  if (!Py_IsInitialized()) return MPI_SUCCESS;
  nb::gil_scoped_acquire gil;
  auto* state = static_cast<GreqState*>(extra);
  int ierr = call_python(*state, state->free_fn, nb::handle());
  delete state;
  return ierr;
}

int greq_cancel(void* extra, int complete) {
  if (!Py_IsInitialized()) return MPI_SUCCESS;
  nb::gil_scoped_acquire gil;
  GreqState& state = *static_cast<GreqState*>(extra);
  nb::object flag = nb::bool_(complete != 0);
  return call_python(state, state.cancel_fn, flag);
}

// Free a request; one still running hands its buffers to the orphans.
void request_free(Request& r) {
  if (r.predefined()) raise_mpi_error(MPI_ERR_REQUEST);
  RequestKeep* keep = keep_of(r);
  if (keep && !keep->done && keep->kind != RequestKeep::kObject && r.ob_mpi != MPI_REQUEST_NULL) {
    int flag = 0;
    check(MPI_Request_get_status(r.ob_mpi, &flag, MPI_STATUS_IGNORE));
    if (!flag) {
      park(r.ob_mpi, *keep);
      r.ob_mpi = MPI_REQUEST_NULL;
      r.keep.reset();
      return;
    }
  }
  int ierr = MPI_Request_free(&r.ob_mpi);
  if (keep && r.ob_mpi == MPI_REQUEST_NULL) {
    keep->done = true;
    r.keep.reset();
  }
  check_completion(ierr);
}

Prequest& as_prequest(nb::handle obj) {
  Prequest* r = nullptr;
  if (!nb::try_cast<Prequest*>(obj, r) || r == nullptr) {
    std::string message = std::string("expected a Prequest, got ") + Py_TYPE(obj.ptr())->tp_name;
    raise_type_error(message.c_str());
  }
  return *r;
}

}  // namespace

// ---------------------------------------------------------------------------

RequestKeep::~RequestKeep() {
  if (done || handle == MPI_REQUEST_NULL || kind == kObject) return;
  if (!mpi_active()) return;
  park(handle, *this);
}

RequestKeep& make_keep(nb::object& holder) {
  if (!orphans->empty() && (++orphan_tick & 1023) == 0) prune_orphans();
  PyObject* obj = keep_type->tp_alloc(keep_type, 0);
  if (!obj) throw nb::python_error();
  RequestKeep* keep = &reinterpret_cast<KeepObject*>(obj)->keep;
  new (keep) RequestKeep();
  holder = nb::steal(obj);
  return *keep;
}

nb::object new_request(nb::handle type, MPI_Request handle, nb::object keep) {
  nb::object obj = wrap_as<Request>(type, handle);
  if (keep.is_valid()) {
    keep_in(keep).handle = handle;
    nb::inst_ptr<Request>(obj)->keep = std::move(keep);
  }
  return obj;
}

MPI_Status* status_arg(nb::handle status) {
  if (status.is_none()) return MPI_STATUS_IGNORE;
  static PyObject* const exact = nb::type<Status>().ptr();
  if (reinterpret_cast<PyObject*>(Py_TYPE(status.ptr())) == exact)  // skip the generic cast
    return &nb::inst_ptr<Status>(status)->ob_mpi;
  Status* s = nullptr;
  if (!nb::try_cast<Status*>(status, s) || s == nullptr) {
    std::string message =
        std::string("status must be a Status or None, got ") + Py_TYPE(status.ptr())->tp_name;
    raise_type_error(message.c_str());
  }
  return &s->ob_mpi;
}

void bind_request(nb::module_& m, Classes& c) {
  keep_type = make_keep_type();
  nb::module_::import_("atexit").attr("register")(nb::cpp_function(&drop_orphans));

  auto& cls = c.request;
  bind_keep_handle<Request, Request>(cls, MPI_REQUEST_NULL, true);
  bind_keep_handle<Prequest, Request>(c.prequest, MPI_REQUEST_NULL, false);
  bind_keep_handle<Grequest, Request>(c.grequest, MPI_REQUEST_NULL, false);

  // --- one request ---------------------------------------------------------
  cls.def(
      "Wait",
      [](Request& self, nb::handle status) {
        wait_one(self, status_arg(status));
        return true;
      },
      nb::arg("status") = nb::none(), "Wait for a non-blocking operation to complete.");
  cls.def(
      "Test", [](Request& self, nb::handle status) { return test_one(self, status_arg(status)); },
      nb::arg("status") = nb::none(), "Test for the completion of a non-blocking operation.");
  cls.def(
      "Get_status",
      [](Request& self, nb::handle status) {
        return get_status_one(self.ob_mpi, status_arg(status));
      },
      nb::arg("status") = nb::none(), "Non-destructive test for the completion of a request.");
  cls.def(
      "Cancel", [](Request& self) { check_completion(MPI_Cancel(&self.ob_mpi)); },
      "Cancel a request.");
  cls.def("Free", &request_free, "Free a communication request.");
  cls.def(
      "free",
      [](Request& self) {
        if (self.ob_mpi != MPI_REQUEST_NULL) request_free(self);
      },
      "Call Free if not null.");
  cls.def(
      "wait",
      [](Request& self, nb::handle status) {
        MPI_Status local;
        MPI_Status* st = status.is_none() ? &local : status_arg(status);
        int ierr = nogil([&] { return MPI_Wait(&self.ob_mpi, st); });
        if (ierr != MPI_SUCCESS || pending_type) {
          settle(self, MPI_STATUS_IGNORE, false);
          check_completion(ierr);
        }
        return settle(self, st, true);
      },
      nb::arg("status") = nb::none(), "Wait for a non-blocking operation to complete.");
  cls.def(
      "test",
      [](Request& self, nb::handle status) {
        MPI_Status local;
        MPI_Status* st = status.is_none() ? &local : status_arg(status);
        int flag = 0;
        int ierr = MPI_Test(&self.ob_mpi, &flag, st);
        if (ierr != MPI_SUCCESS || pending_type) {
          settle(self, MPI_STATUS_IGNORE, false);
          check_completion(ierr);
        }
        if (!flag) return nb::make_tuple(false, nb::none());
        return nb::make_tuple(true, settle(self, st, true));
      },
      nb::arg("status") = nb::none(), "Test for the completion of a non-blocking operation.");
  cls.def(
      "get_status",
      [](Request& self, nb::handle status) {
        return get_status_one(self.ob_mpi, status_arg(status));
      },
      nb::arg("status") = nb::none(), "Non-destructive test for the completion of a request.");
  cls.def(
      "cancel", [](Request& self) { check_completion(MPI_Cancel(&self.ob_mpi)); },
      "Cancel a request.");

  // --- request lists -----------------------------------------------------------
  cls.def_static(
      "Waitall",
      [](nb::handle requests, nb::handle statuses) {
        waitall(requests, statuses, false);
        return true;
      },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Wait for all previously initiated requests to complete.");
  cls.def_static(
      "Testall",
      [](nb::handle requests, nb::handle statuses) {
        return nb::cast<bool>(testall(requests, statuses, false));
      },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Test for completion of all previously initiated requests.");
  cls.def_static(
      "Waitany",
      [](nb::handle requests, nb::handle status) {
        return std::get<0>(anyof(requests, status, true, false));
      },
      nb::arg("requests"), nb::arg("status") = nb::none(),
      "Wait for any previously initiated request to complete.");
  cls.def_static(
      "Testany",
      [](nb::handle requests, nb::handle status) {
        auto [index, flag, obj] = anyof(requests, status, false, false);
        return std::make_pair(index, flag);
      },
      nb::arg("requests"), nb::arg("status") = nb::none(),
      "Test for completion of any previously initiated request.");
  cls.def_static(
      "Waitsome",
      [](nb::handle requests, nb::handle statuses) {
        return someof(requests, statuses, true, false).first;
      },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Wait for some previously initiated requests to complete.");
  cls.def_static(
      "Testsome",
      [](nb::handle requests, nb::handle statuses) {
        return someof(requests, statuses, false, false).first;
      },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Test for completion of some previously initiated requests.");
  cls.def_static("Get_status_all", &get_status_all, nb::arg("requests"),
                 nb::arg("statuses") = nb::none(),
                 "Non-destructive test for the completion of all requests.");
  cls.def_static("Get_status_any", &get_status_any, nb::arg("requests"),
                 nb::arg("status") = nb::none(),
                 "Non-destructive test for the completion of any requests.");
  cls.def_static("Get_status_some", &get_status_some, nb::arg("requests"),
                 nb::arg("statuses") = nb::none(),
                 "Non-destructive test for completion of some requests.");
  cls.def_static("get_status_all", &get_status_all, nb::arg("requests"),
                 nb::arg("statuses") = nb::none(),
                 "Non-destructive test for the completion of all requests.");
  cls.def_static("get_status_any", &get_status_any, nb::arg("requests"),
                 nb::arg("status") = nb::none(),
                 "Non-destructive test for the completion of any requests.");
  cls.def_static("get_status_some", &get_status_some, nb::arg("requests"),
                 nb::arg("statuses") = nb::none(),
                 "Non-destructive test for completion of some requests.");
  cls.def_static(
      "waitall",
      [](nb::handle requests, nb::handle statuses) { return waitall(requests, statuses, true); },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Wait for all previously initiated requests to complete.");
  cls.def_static(
      "testall",
      [](nb::handle requests, nb::handle statuses) { return testall(requests, statuses, true); },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Test for completion of all previously initiated requests.");
  cls.def_static(
      "waitany",
      [](nb::handle requests, nb::handle status) {
        auto [index, flag, obj] = anyof(requests, status, true, true);
        (void)flag;
        return std::make_pair(index, obj);
      },
      nb::arg("requests"), nb::arg("status") = nb::none(),
      "Wait for any previously initiated request to complete.");
  cls.def_static(
      "testany",
      [](nb::handle requests, nb::handle status) { return anyof(requests, status, false, true); },
      nb::arg("requests"), nb::arg("status") = nb::none(),
      "Test for completion of any previously initiated request.");
  cls.def_static(
      "waitsome",
      [](nb::handle requests, nb::handle statuses) {
        return someof(requests, statuses, true, true);
      },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Wait for some previously initiated requests to complete.");
  cls.def_static(
      "testsome",
      [](nb::handle requests, nb::handle statuses) {
        return someof(requests, statuses, false, true);
      },
      nb::arg("requests"), nb::arg("statuses") = nb::none(),
      "Test for completion of some previously initiated requests.");

  // --- persistent requests -------------------------------------------------------
  auto& pcls = c.prequest;
  pcls.def(
      "Start", [](Prequest& self) { check(MPI_Start(&self.ob_mpi)); },
      "Initiate a communication with a persistent request.");
  pcls.def_static(
      "Startall",
      [](nb::handle requests) {
        RequestList list(requests);
        for (size_t i = 0; i < list.size(); ++i) as_prequest(list.object(i));
        int ierr = MPI_Startall(list.count(), list.handles());
        list.store();
        check(ierr);
      },
      nb::arg("requests"), "Start a collection of persistent requests.");
#if MPI_VERSION >= 4
  pcls.def(
      "Pready", [](Prequest& self, int partition) { check(MPI_Pready(partition, self.ob_mpi)); },
      nb::arg("partition"), "Mark a given partition as ready.");
  pcls.def(
      "Pready_range",
      [](Prequest& self, int low, int high) { check(MPI_Pready_range(low, high, self.ob_mpi)); },
      nb::arg("partition_low"), nb::arg("partition_high"), "Mark a range of partitions as ready.");
  pcls.def(
      "Pready_list",
      [](Prequest& self, std::vector<int> partitions) {
        check(MPI_Pready_list(static_cast<int>(partitions.size()), partitions.data(), self.ob_mpi));
      },
      nb::arg("partitions"), "Mark a sequence of partitions as ready.");
  pcls.def(
      "Parrived",
      [](Prequest& self, int partition) {
        int flag = 0;
        check(MPI_Parrived(self.ob_mpi, partition, &flag));
        return flag != 0;
      },
      nb::arg("partition"), "Test partial completion of a partitioned receive.");
#else
  pcls.def(
      "Pready", [](Prequest&, int) { raise_not_implemented("MPI_Pready"); }, nb::arg("partition"),
      "Mark a given partition as ready.");
  pcls.def(
      "Pready_range", [](Prequest&, int, int) { raise_not_implemented("MPI_Pready_range"); },
      nb::arg("partition_low"), nb::arg("partition_high"), "Mark a range of partitions as ready.");
  pcls.def(
      "Pready_list", [](Prequest&, nb::handle) { raise_not_implemented("MPI_Pready_list"); },
      nb::arg("partitions"), "Mark a sequence of partitions as ready.");
  pcls.def(
      "Parrived", [](Prequest&, int) -> bool { raise_not_implemented("MPI_Parrived"); },
      nb::arg("partition"), "Test partial completion of a partitioned receive.");
#endif

  // --- generalized requests --------------------------------------------------------
  auto& gcls = c.grequest;
  def_classmethod(
      gcls, "Start",
      [](nb::handle type, nb::handle query_fn, nb::handle free_fn, nb::handle cancel_fn,
         nb::handle args, nb::handle kwargs) {
        for (nb::handle fn : {query_fn, free_fn, cancel_fn})
          if (!fn.is_none() && !PyCallable_Check(fn.ptr()))
            raise_type_error("Grequest callbacks must be callable or None");
        if (!args.is_none() && !PyTuple_Check(args.ptr()))
          raise_type_error("args must be a tuple or None");
        if (!kwargs.is_none() && !PyDict_Check(kwargs.ptr()))
          raise_type_error("kwargs must be a dict or None");
        auto state = std::make_unique<GreqState>();
        state->query_fn = nb::borrow(query_fn);
        state->free_fn = nb::borrow(free_fn);
        state->cancel_fn = nb::borrow(cancel_fn);
        state->args = nb::borrow(args);
        state->kwargs = nb::borrow(kwargs);
        MPI_Request handle = MPI_REQUEST_NULL;
        check(MPI_Grequest_start(greq_query, greq_free, greq_cancel, state.get(), &handle));
        state.release();  // owned by MPI now: greq_free deletes it
        return wrap_as<Grequest>(type, handle);
      },
      nb::arg("cls"), nb::arg("query_fn") = nb::none(), nb::arg("free_fn") = nb::none(),
      nb::arg("cancel_fn") = nb::none(), nb::arg("args") = nb::none(),
      nb::arg("kwargs") = nb::none(), "Create and return a user-defined request.");
  gcls.def(
      "Complete", [](Grequest& self) { check_completion(MPI_Grequest_complete(self.ob_mpi)); },
      "Notify that a user-defined request is complete.");
  gcls.def(
      "complete",
      [](Grequest& self, nb::handle obj) {
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        keep.kind = RequestKeep::kObject;
        keep.obj = nb::borrow(obj);
        self.keep = std::move(holder);
        check_completion(MPI_Grequest_complete(self.ob_mpi));
      },
      nb::arg("obj").none() = nb::none(), "Notify that a user-defined request is complete.");

  m.attr("REQUEST_NULL") = wrap<Request>(MPI_REQUEST_NULL, kPredefined);
}

}  // namespace mpi4py
