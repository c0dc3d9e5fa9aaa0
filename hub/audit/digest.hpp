// The digests the journal records, as lower-case hex: SHA-256 and HMAC-SHA256 (OpenSSL).
#pragma once

#include <string>
#include <string_view>

namespace hub::audit {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace hub::audit
