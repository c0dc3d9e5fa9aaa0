// Standard base64 with padding (RFC 4648 section 4), the encoding of C2SP signed notes and
// checkpoints, through OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hub::audit {

std::string base64_encode(std::string_view bytes);

// Only the canonical encoding is accepted: the RFC 4648 section 4 alphabet, a length that is a
// multiple of 4, at most two '=' and only at the end, no whitespace, and unused bits zero
// (RFC 4648 section 3.5), so that one value has one text and a signed text cannot be varied.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hub::audit
