// When a client's first TLS record has arrived whole (RFC 8446 §5.1 framing).
#include <gtest/gtest.h>

#include <vector>

#include "hub/tls/record.hpp"

namespace {
using hub::tls::first_record_missing;

std::size_t missing(std::vector<unsigned char> bytes) {
  return first_record_missing(bytes);
}

TEST(FirstRecord, TheHeaderThenTheBodyAreAwaited) {
  EXPECT_EQ(missing({}), 5u);
  EXPECT_EQ(missing({22, 3}), 3u);
  EXPECT_EQ(missing({22, 3, 1, 0x01, 0x00}), 256u);  // a 256-byte ClientHello record
  std::vector<unsigned char> record = {22, 3, 1, 0x01, 0x00};
  record.resize(5 + 255);
  EXPECT_EQ(missing(record), 1u);
  record.push_back(0);
  EXPECT_EQ(missing(record), 0u);
}

TEST(FirstRecord, WhatCannotBeAHandshakeRecordIsHandedOverAtOnce) {
  EXPECT_EQ(missing({'G', 'E', 'T', ' '}), 0u);         // plain HTTP: OpenSSL says so
  EXPECT_EQ(missing({22, 3, 1, 0x40, 0x01}), 0u);       // 16,385 bytes: over 2^14
  EXPECT_EQ(missing({22, 3, 1, 0x40, 0x00}), 16'384u);  // 2^14: the largest allowed
}

}  // namespace
