"""The file layout of the tables kept beside the index: arrays read back as written."""

from __future__ import annotations

import numpy as np

from archivist.records import read_arrays, write_arrays


def test_arrays_read_back_as_written(tmp_path):
    arrays = {
        "doc": np.array(["甲报道", "b"]),
        "low": np.arange(128, dtype=np.uint8).reshape(2, 64),
        "key": np.array([-5, 2**62], dtype=np.int64),
        "none": np.zeros((0, 16), dtype=np.uint32),
        "strided": np.arange(12, dtype=np.int32)[::3],
        "column": np.arange(12, dtype=np.uint32).reshape(3, 4).T,
    }
    write_arrays(tmp_path / "part", arrays)
    back = read_arrays(tmp_path / "part")
    assert list(back) == list(arrays)
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype and back[name].tolist() == array.tolist(), name
