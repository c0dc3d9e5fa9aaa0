// The partner API's work (docs/partner-api.md): one request of a partner for one resource and one
// or more identifiers, admitted by an agreement (access.hpp), counted against its quota
// (quota.hpp), each answer built from the canonical record through the agreement's field mask
// (hub/agreements/mask.hpp) and then the resource's reverse mapping, and every answer recorded as
// a disclosure (disclosures.hpp) before it is served.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/agreements/current.hpp"
#include "hub/agreements/mask.hpp"
#include "hub/agreements/stored.hpp"
#include "hub/audit/journal.hpp"
#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/partner/access.hpp"
#include "hub/partner/quota.hpp"
#include "hub/registry/registry.hpp"
#include "hub/store/store.hpp"

namespace hub::partner {

// The most identifiers one batch may hold (issue 12: DGI checks many companies before a round of
// VAT refunds).
inline constexpr std::size_t kMaxBatch = 1000;

struct Request {
  std::string principal;
  std::string correlation_id;
  HeaderLookup header;
  std::string resource;  // affiliation_attestation | coverage
  std::vector<std::string> identifiers;
  // Each answer's journal entry keeps its receipt (audit::Journal::append_with_receipt); false:
  // the entries are journaled all the same, without a receipt to give.
  bool receipt = true;
};

// The answer about one identifier: the partner's view (status 200), or the hub's error object
// {"code", "message"} with its status (400 a malformed identifier, 404 none known).
struct Item {
  std::string identifier;
  unsigned status = 200;
  std::string body;
  std::optional<Error> error;  // set when status is not 200
  // Its journal entry, appended with a receipt (receipt.hpp): 0 when none was appended (an
  // identifier refused before anything was read).
  audit::Ticket ticket = 0;
};

struct Answer {
  std::vector<Item> items;  // in the order asked
  std::string content_type = "application/json";
  audit::Ticket ticket = 0;  // the last journal entry: serve once it is durable
};

struct ReaderParts {
  store::Store* store = nullptr;
  registry::Registry* registry = nullptr;
  mapping::Catalog* mappings = nullptr;
  audit::Journal* journal = nullptr;
  agreements::Current* agreements = nullptr;  // the set in force (shared with the change feed)
  const registry::Clock* clock = nullptr;
  std::string node;  // this node's name, for the quota's slices
};

class Reader {
 public:
  explicit Reader(ReaderParts parts)
      : parts_(std::move(parts)), quotas_(*parts_.store, parts_.node) {}

  // Blocking (store calls): run it on the store's threads. Errors refuse the whole request: those
  // of admit(); rate_limited/quota_exceeded (Retry-After); journal_unavailable when the journal
  // cannot record the disclosures; the store's. Identifiers are answered one by one.
  Result<Answer> read(const Request& request);

  // The reverse mapping that gives `principal` its view of `resource`: "<principal>.<resource>"
  // when the mappings have one (dgi.affiliation_attestation), else the hub's own
  // "cnss.<resource>".
  std::string view_of(const mapping::Snapshot& mappings, const std::string& principal,
                      const std::string& resource) const;

 private:
  struct Built;
  Item build(const Request& request, const std::string& id, const agreements::FieldMask& mask,
             const mapping::Snapshot& mappings, const std::string& view, Built& built);

  ReaderParts parts_;
  Quotas quotas_;
};

}  // namespace hub::partner
