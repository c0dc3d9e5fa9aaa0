// The commands of `cnss-hub audit` (cli.cpp dispatches): each takes the command line after
// "audit" (argv[0] is the command's name) and returns the exit status, writing its result on
// `out` and its problems on `err`.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/store/store.hpp"

namespace hub::audit::cli {

// The value after `name`, or nothing.
const char* option(int argc, char** argv, std::string_view name);
// Every value after `name`, in order.
std::vector<std::filesystem::path> options(int argc, char** argv, std::string_view name);

// The configuration in `file` and its store, opened; nothing (the problem written on `err`,
// prefixed with `command`) when either cannot be had. A configured SQLite file that does not exist
// is a problem: opening it would create an empty journal.
struct Configured {
  config::HubConfig config;
  std::unique_ptr<store::Store> store;
};
std::optional<Configured> open_configured(const char* file, std::string_view command,
                                          std::ostream& err);

// audit verify --export DIR --config FILE
int export_journal(int argc, char** argv, std::ostream& out, std::ostream& err);
// audit prove --entry N --config FILE [--size M]
int prove(int argc, char** argv, std::ostream& out, std::ostream& err);
// audit verify --proof FILE --pubkey KEY
int verify_proof(int argc, char** argv, std::ostream& out, std::ostream& err);
// audit witness --url URL --cert F --key F --ca F --pubkey KEY --state FILE
int witness(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace hub::audit::cli
