"""MPI.Info: the MPI calls and the mapping interface."""

import pickle

import pytest

from mpi4py import MPI


@pytest.fixture
def info():
    obj = MPI.Info.Create()
    yield obj
    if obj != MPI.INFO_NULL:
        obj.Free()


def error_class(excinfo):
    return excinfo.value.Get_error_class()


def test_create_empty(info):
    assert isinstance(info, MPI.Info)
    assert info != MPI.INFO_NULL
    assert bool(info)
    assert info.Get_nkeys() == 0
    assert len(info) == 0
    assert list(info) == []


def test_create_from_dict_and_items():
    a = MPI.Info.Create({"alpha": "1", "beta": "two"})
    b = MPI.Info.Create([("gamma", "3"), ("delta", "4")])
    c = MPI.Info.Create(a)
    try:
        assert a.items() == [("alpha", "1"), ("beta", "two")]
        assert b.keys() == ["gamma", "delta"]
        assert b.values() == ["3", "4"]
        assert c.items() == a.items()
        assert c != a
    finally:
        for obj in (a, b, c):
            obj.Free()


def test_set_get_delete(info):
    info.Set("key", "value")
    assert info.Get("key") == "value"
    assert info.Get("missing") is None
    info.Set("key", "other")
    assert info.Get("key") == "other"
    assert info.Get_nkeys() == 1
    assert info.Get_nthkey(0) == "key"
    info.Delete("key")
    assert info.Get("key") is None
    assert info.Get_nkeys() == 0


def test_delete_missing_key(info):
    with pytest.raises(MPI.Exception) as excinfo:
        info.Delete("missing")
    assert error_class(excinfo) == MPI.ERR_INFO_NOKEY


def test_nthkey_out_of_range(info):
    info.Set("a", "1")
    for n in (-1, 1, 5):
        with pytest.raises(MPI.Exception) as excinfo:
            info.Get_nthkey(n)
        assert error_class(excinfo) == MPI.ERR_ARG


def test_key_and_value_limits(info):
    with pytest.raises(MPI.Exception) as excinfo:
        info.Set("k" * (MPI.MAX_INFO_KEY + 1), "v")
    assert error_class(excinfo) == MPI.ERR_INFO_KEY
    with pytest.raises(MPI.Exception) as excinfo:
        info.Set("", "v")
    assert error_class(excinfo) == MPI.ERR_INFO_KEY
    # Libraries differ on whether MAX_INFO_KEY counts the terminating null.
    long_key = "k" * (MPI.MAX_INFO_KEY - 1)
    info.Set(long_key, "v")
    assert info[long_key] == "v"


def test_mapping_protocol(info):
    info["a"] = "1"
    info["b"] = "2"
    info["c"] = "3"
    assert len(info) == 3
    assert "a" in info
    assert "z" not in info
    assert 42 not in info
    assert list(info) == ["a", "b", "c"]
    assert [key for key in info] == ["a", "b", "c"]
    assert info["b"] == "2"
    assert dict(info.items()) == {"a": "1", "b": "2", "c": "3"}
    del info["b"]
    assert info.keys() == ["a", "c"]
    with pytest.raises(KeyError):
        info["b"]
    with pytest.raises(KeyError):
        del info["b"]


def test_get_pop_popitem(info):
    info.update({"x": "10", "y": "20"})
    assert info.get("x") == "10"
    assert info.get("nope") is None
    assert info.get("nope", "dflt") == "dflt"
    assert info.pop("x") == "10"
    assert "x" not in info
    assert info.pop("x", "gone") == "gone"
    with pytest.raises(KeyError):
        info.pop("x")
    assert info.popitem() == ("y", "20")
    assert len(info) == 0
    with pytest.raises(KeyError):
        info.popitem()


def test_update_forms(info):
    info.update({"a": "1"})
    info.update([("b", "2")])
    info.update(c="3")
    other = MPI.Info.Create({"d": "4"})
    try:
        info.update(other)
    finally:
        other.Free()
    info.update((), e="5")
    assert info.items() == [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")]


def test_copy_dup_clear(info):
    info.update({"a": "1", "b": "2"})
    dup = info.Dup()
    copy = info.copy()
    try:
        assert dup.items() == info.items() == copy.items()
        info.clear()
        assert len(info) == 0
        assert len(dup) == 2
        dup["c"] = "3"
        assert "c" not in copy
    finally:
        dup.Free()
        copy.Free()


def test_non_string_values_and_keys(info):
    for bad in (1, 2.5, None, b"bytes", ["x"]):
        with pytest.raises(TypeError):
            info.Set("key", bad)
        with pytest.raises(TypeError):
            info["key"] = bad
        with pytest.raises(TypeError):
            info.Set(bad, "value")
    with pytest.raises(TypeError):
        MPI.Info.Create({"a": 1})
    with pytest.raises(TypeError):
        info.update({"a": 1})
    with pytest.raises(TypeError):
        info.update([("a", "1", "extra")])
    assert len(info) == 0


def test_info_null_reads_empty():
    null = MPI.INFO_NULL
    assert not null
    assert len(null) == 0
    assert list(null) == []
    assert null.keys() == [] and null.values() == [] and null.items() == []
    assert "a" not in null
    assert null.get("a") is None
    assert null.Get("a") is None
    with pytest.raises(KeyError):
        null["a"]


def test_info_null_is_read_only():
    null = MPI.INFO_NULL
    for action in (
        lambda: null.Set("a", "1"),
        lambda: null.__setitem__("a", "1"),
        lambda: null.Delete("a"),
        lambda: null.clear(),
        lambda: null.update(a="1"),
        lambda: null.Free(),
        lambda: null.Dup(),
    ):
        with pytest.raises(MPI.Exception) as excinfo:
            action()
        assert error_class(excinfo) == MPI.ERR_INFO
    assert null == MPI.INFO_NULL


def test_info_env():
    env = MPI.INFO_ENV
    assert isinstance(env, MPI.Info)
    assert env != MPI.INFO_NULL
    for key in env.keys():
        assert isinstance(env[key], str)
    with pytest.raises(MPI.Exception):
        env.Free()
    with pytest.raises(MPI.Exception):
        env.Set("mpi4py_test", "1")
    copy = env.Dup()
    try:
        assert copy.items() == env.items()
    finally:
        copy.Free()


def test_free_sets_null_and_use_after_free():
    info = MPI.Info.Create({"a": "1"})
    info.Free()
    assert info == MPI.INFO_NULL
    assert len(info) == 0
    with pytest.raises(MPI.Exception):
        info.Free()
    with pytest.raises(MPI.Exception):
        info.Set("a", "1")


def test_free_lowercase_skips_predefined():
    info = MPI.Info.Create()
    info.free()
    assert info == MPI.INFO_NULL
    info.free()  # null: nothing to do
    MPI.INFO_ENV.free()  # predefined: left alone
    assert MPI.INFO_ENV != MPI.INFO_NULL


@pytest.mark.skipif(MPI.VERSION < 4, reason="MPI-4 Info_create_env")
def test_create_env():
    env = MPI.Info.Create_env(["prog", "arg"])
    try:
        assert isinstance(env, MPI.Info)
        assert env != MPI.INFO_NULL
    finally:
        env.Free()
    env = MPI.Info.Create_env()
    env.Free()


@pytest.mark.skipif(MPI.VERSION >= 4, reason="MPI-3 library only")
def test_create_env_unsupported():
    with pytest.raises(NotImplementedError):
        MPI.Info.Create_env()


def test_subclass():
    class MyInfo(MPI.Info):
        pass

    info = MyInfo.Create({"a": "1"})
    try:
        assert type(info) is MyInfo
        dup = info.Dup()
        assert type(dup) is MyInfo
        dup.Free()
        copy = info.copy()
        assert type(copy) is MyInfo
        copy.Free()
    finally:
        info.Free()


def test_comm_info_roundtrip():
    comm = MPI.COMM_WORLD.Dup()
    try:
        hints = MPI.Info.Create({"mpi_assert_no_any_tag": "true"})
        comm.Set_info(hints)
        hints.Free()
        current = comm.Get_info()
        assert isinstance(current, MPI.Info)
        assert current != MPI.INFO_NULL
        current.Free()
        current = comm.info
        assert isinstance(current, MPI.Info)
        current.Free()
        empty = MPI.Info.Create()
        comm.info = empty
        empty.Free()
    finally:
        comm.Free()


def test_pickle_predefined():
    assert pickle.loads(pickle.dumps(MPI.INFO_NULL)) is MPI.INFO_NULL
    assert pickle.loads(pickle.dumps(MPI.INFO_ENV)) is MPI.INFO_ENV
    info = MPI.Info.Create()
    try:
        with pytest.raises(ValueError):
            pickle.dumps(info)
    finally:
        info.Free()
