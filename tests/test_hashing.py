"""The file hash the cache keys and the build manifest use (BLAKE3)."""

import blake3

from needs_assessment.common.hashing import FILE_HASH, hash_bytes, hash_file

# The BLAKE3 of no bytes, from the BLAKE3 specification's test vectors (test_vectors.json, input_len 0).
EMPTY = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"


def test_reference_value_for_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert FILE_HASH == "blake3"
    assert hash_file(path) == EMPTY == hash_bytes(b"")


def test_a_file_read_in_chunks_hashes_as_its_bytes_at_once(tmp_path):
    data = bytes(i % 251 for i in range(9 * (1 << 20) + 17))   # more than two read chunks
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    assert hash_file(path) == blake3.blake3(data).hexdigest()
    path.write_bytes(data[:-1] + b"x")
    assert hash_file(path) != blake3.blake3(data).hexdigest()
