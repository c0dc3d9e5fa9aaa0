// What tells the process that files it serves from changed on disk: fingerprints of their names,
// sizes and modification times, compared from one poll to the next (polled, because it is
// portable and cheap for the few hundred files of a mapping set and a few certificates).
#pragma once

#include <string>

#include "hub/config/config.hpp"

namespace hub::app {

// Every regular file under `dir`, recursively.
std::string folder_fingerprint(const std::string& dir);
// The listeners' certificate, key, client CA and CRL files.
std::string tls_fingerprint(const config::HubConfig& c);

}  // namespace hub::app
