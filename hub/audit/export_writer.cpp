#include "hub/audit/export_writer.hpp"

#include "hub/audit/checkpoint.hpp"
#include "hub/audit/export_format.hpp"
#include "hub/audit/signed_note.hpp"

namespace hub::audit {
namespace fs = std::filesystem;

namespace {

Error write_error(const fs::path& path) {
  return make_error(Errc::internal, "cannot write " + path.string());
}

}  // namespace

ExportWriter::ExportWriter(fs::path dir) : dir_(std::move(dir)) {}

Result<ExportWriter> ExportWriter::create(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return make_error(Errc::conflict, dir.string() + " is not empty; export into a new folder");
  }
  fs::create_directories(dir / kExportCheckpointsDir, ec);
  if (ec) return make_error(Errc::internal, "cannot create " + dir.string() + ": " + ec.message());
  ExportWriter w(dir);
  w.entries_ = std::make_unique<std::ofstream>(dir / kExportEntriesFile, std::ios::binary);
  if (!*w.entries_) return write_error(dir / kExportEntriesFile);
  return w;
}

Result<void> ExportWriter::add_entry(const store::JournalEntry& e) {
  *entries_ << entry_to_json(e) << '\n';
  if (!*entries_) return write_error(dir_ / kExportEntriesFile);
  return {};
}

Result<void> ExportWriter::add_checkpoint(std::string_view note) {
  auto parsed = parse_note(note);
  if (!parsed) return parsed.error();
  auto c = parse_checkpoint_text(parsed->text);
  if (!c) return c.error();
  const auto name = std::to_string(c->size) + ".checkpoint";
  return write_file(dir_ / kExportCheckpointsDir / name, note, true);
}

Result<void> ExportWriter::add_timestamp(std::uint64_t tree_size, std::string_view der) {
  std::error_code ec;
  fs::create_directories(dir_ / kExportTimestampsDir, ec);
  if (ec) return write_error(dir_ / kExportTimestampsDir);
  return write_file(dir_ / kExportTimestampsDir / (std::to_string(tree_size) + ".tsr"), der, true);
}

Result<void> ExportWriter::set_head(const store::JournalHead& head) {
  return write_file(dir_ / kExportHeadFile, head_to_json(head) + "\n", false);
}

Result<void> ExportWriter::set_public_key(std::string_view pem) {
  return write_file(dir_ / kExportPublicKeyFile, pem, false);
}

Result<void> ExportWriter::finish() {
  entries_->flush();
  if (!*entries_) return write_error(dir_ / kExportEntriesFile);
  entries_->close();
  return {};
}

Result<void> ExportWriter::write_file(const fs::path& path, std::string_view bytes,
                                      bool exclusive) {
  std::error_code ec;
  if (exclusive && fs::exists(path, ec)) {
    return make_error(Errc::conflict, path.string() + " exists: two of one tree size");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return write_error(path);
  return {};
}

}  // namespace hub::audit
