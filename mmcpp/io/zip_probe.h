// A read-only look at a zip archive's central directory, before LibTorch's
// PyTorchStreamReader (miniz) touches it.
//
// It gives clear errors for truncated files ("end of central directory not
// found") and checks every entry's sizes against the file, so a hostile archive
// cannot make the reader allocate far more than the file holds (a 4 GB
// "uncompressed size" in a 400-byte file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caffe2/serialize/read_adapter_interface.h>

namespace mmcpp::io {

struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;  // 0 stored, 8 deflated
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t local_header_offset = 0;
  std::uint64_t data_offset = 0;  // where the (compressed) bytes start
  // miniz treats names ending in '/' or the DOS directory attribute as folders
  // and extracts nothing from them.
  bool directory = false;
};

struct ZipDirectory {
  std::vector<ZipEntry> entries;
  // The file entry `name` (directories are skipped), or nullptr.
  const ZipEntry* find(const std::string& name) const;
};

// Parses and validates the archive (zip64 included; duplicate names are
// refused since readers disagree on which one wins). Throws
// mmcpp::Error("RuntimeError", "<display_name>: truncated or not a valid zip
// archive: ...") on any inconsistency.
ZipDirectory probe_zip(const caffe2::serialize::ReadAdapterInterface& in,
                       const std::string& display_name);

}  // namespace mmcpp::io
