// Writes a journal export directory (export_format.hpp): what `cnss-hub audit verify --export`
// will write from the store, and what the tests build journals into.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

class ExportWriter {
 public:
  // Creates `dir`, which must not exist or be empty (Errc::conflict otherwise: an export is never
  // mixed with another), and its checkpoints folder.
  static Result<ExportWriter> create(const std::filesystem::path& dir);

  // Entries in seq order.
  Result<void> add_entry(const store::JournalEntry& e);
  // A signed checkpoint, as the hub signed it, written as checkpoints/<tree size>.checkpoint
  // (Errc::conflict when another checkpoint of that size was added).
  Result<void> add_checkpoint(std::string_view note);
  // The RFC 3161 TimeStampResp (DER) over the checkpoint of `tree_size`, written as
  // timestamps/<tree size>.tsr.
  Result<void> add_timestamp(std::uint64_t tree_size, std::string_view der);
  Result<void> set_head(const store::JournalHead& head);
  Result<void> set_public_key(std::string_view pem);
  // Flushes journal.ndjson; Errc::internal if any write failed.
  Result<void> finish();

 private:
  explicit ExportWriter(std::filesystem::path dir);
  Result<void> write_file(const std::filesystem::path& path, std::string_view bytes,
                          bool exclusive);

  std::filesystem::path dir_;
  std::unique_ptr<std::ofstream> entries_;
};

}  // namespace hub::audit
