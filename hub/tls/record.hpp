// The framing of a TLS record (RFC 8446 §5.1, the same in TLS 1.2: RFC 5246 §6.2.1), enough to
// know when a client's first record (its ClientHello) has arrived whole, before any TLS state is
// built for the connection.
#pragma once

#include <cstddef>
#include <span>

namespace hub::tls {

// A record's header: content type (22: handshake), legacy version (2 bytes), length (2 bytes).
inline constexpr std::size_t kRecordHeaderBytes = 5;
// A record's body is at most 2^14 bytes (RFC 8446 §5.1).
inline constexpr std::size_t kMaxRecordBodyBytes = 16'384;

// How many more bytes the first record needs, given its first bytes: the rest of its header,
// then the rest of its body; 0 once it is whole, and 0 as soon as the bytes cannot begin a
// handshake record (not type 22, or a length over the maximum): OpenSSL then says what they are.
std::size_t first_record_missing(std::span<const unsigned char> received);

}  // namespace hub::tls
