// The preference a partner asks for its receipt with when the hub gives them on request
// (journal.receipts: on_request): RFC 7240 `Prefer: receipt`.
#include <gtest/gtest.h>

#include "hub/audit/receipt.hpp"

namespace {
using hub::audit::prefers_receipt;

TEST(ReceiptPreference, ReadAmongOtherPreferencesWithValuesAndParameters) {
  EXPECT_TRUE(prefers_receipt("receipt"));
  EXPECT_TRUE(prefers_receipt("Receipt"));
  EXPECT_TRUE(prefers_receipt("return=minimal, receipt"));
  EXPECT_TRUE(prefers_receipt("respond-async; wait=10 ,\treceipt ; x=1"));
  EXPECT_TRUE(prefers_receipt("receipt=1"));
  EXPECT_FALSE(prefers_receipt(""));
  EXPECT_FALSE(prefers_receipt("return=receipt"));
  EXPECT_FALSE(prefers_receipt("receipts, no-receipt"));
  EXPECT_FALSE(prefers_receipt("wait=10; receipt"));
}

}  // namespace
