// What the registry asks of the exchange broker: the facts the partners hold about a person or a
// company, already normalised by the mappings into the canonical model (mappings/canonical), each
// field with its provenance. The registry never talks to a partner itself; tests use a fake.
// docs/registration.md lists the canonical fields the registry reads.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>

#include "hub/core/error.hpp"

namespace hub::registry {

struct Facts {
  // person(): {"person": {person.yaml}, "family": {family.yaml}, "taxpayer": {taxpayer.yaml}}
  // employer(): {"company": {company.yaml}, "taxpayer": {taxpayer.yaml}}
  // A section is absent when its partner did not answer or does not know the identifier.
  std::string record_json;
  // {"/person/last_name": {"partner": "dgsn", "mapping": "dgsn.identity", "version": 1,
  //  "fetched_at": "2026-11-27T03:00:00Z", "correlation_id": "..."}, ...}: one entry per field
  // (a JSON pointer into record_json) or per section ("/family").
  std::string provenance_json;
  // {"dgsn": {"status": "ok"}, "dgct": {"status": "not_found"},
  //  "dgi": {"status": "unavailable", "error": "timeout"}}
  std::string partners_json;
};

class FactSource {
 public:
  virtual ~FactSource() = default;
  // DGSN (identity) and DGCT (family booklet); DGI too when category is TNS.
  virtual boost::asio::awaitable<Result<Facts>> person(std::string cnie, std::string purpose,
                                                       std::string category,
                                                       std::string correlation_id) = 0;
  // OMPIC (commercial register) and DGI (tax status).
  virtual boost::asio::awaitable<Result<Facts>> employer(std::string ice,
                                                         std::string correlation_id) = 0;
};

}  // namespace hub::registry
