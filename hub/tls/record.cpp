#include "hub/tls/record.hpp"

namespace hub::tls {
namespace {
constexpr unsigned char kHandshake = 22;
}

std::size_t first_record_missing(std::span<const unsigned char> received) {
  if (received.empty()) return kRecordHeaderBytes;
  if (received[0] != kHandshake) return 0;
  if (received.size() < kRecordHeaderBytes) return kRecordHeaderBytes - received.size();
  const std::size_t body = (std::size_t{received[3]} << 8) | received[4];
  if (body > kMaxRecordBodyBytes) return 0;
  const std::size_t whole = kRecordHeaderBytes + body;
  return received.size() >= whole ? 0 : whole - received.size();
}

}  // namespace hub::tls
