// A real cnss-hub process for integration tests, on its own ports, PKI and data folder.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "support/process.hpp"

namespace testing_support {

// The agreements of the test PKI's two feed consumers (as in conf/hub.yaml): feed-prestations
// reads every feed resource with its personal fields; feed-statistics reads insured and employer
// records without any personal field, and no person or family record (its agreement ended in
// 2020 when !statistics_in_force).
std::string feed_consumer_agreements(bool statistics_in_force = true);

struct HubOptions {
  std::string limits_yaml;     // the body of the limits: section ("" = defaults)
  std::string partners_yaml;   // the body of the partners: section ("" = none)
  std::string store_yaml;      // the body of the store: section ("" = SQLite in the temp folder)
  std::string exchange_yaml;   // the body of the exchange: section ("" = none)
  std::string audit_yaml;      // the body of the audit: section ("" = none: no checkpoints)
  bool mappings = false;       // serve the project's mappings/
  std::string mappings_dir;    // with mappings: serve this folder instead (a copy to change)
  std::string mappings_from;   // hub.mappings_from: "files" or "store" ("" = not set: files)
  bool partner_events = true;  // with mappings: accept DGCT's and OMPIC's pushed events
  unsigned short partners_port = 0;  // the partners listener's port (0: the hub picks one)
  unsigned short internal_port = 0;  // the internal listener's port (0: the hub picks one)
  std::string extra_yaml;            // top-level sections appended to the file ("testing:\n...")
  std::string pki;  // the PKI folder its certificates come from ("" = the shared test PKI)
  // Appended to the partners listener's client_ca and crl lists (", /path/ca.crt").
  std::string partners_extra_ca;
  std::string partners_extra_crl;
  // Lines added to the dgct principal ("    issuer_key_id: ...\n").
  std::string dgct_principal_extra;
  std::string dir;              // reuse this folder (a restart); "" = a new temporary one
  std::string web_dir;          // serve these pages on the internal listener ("web" interface)
  std::string agreements_yaml;  // the body of the agreements: section ("" = none)
  // Added to the agreements: the change feed's consumers' (feed_consumer_agreements(): the two
  // business systems of the test PKI, one cleared for personal data).
  std::string feed_agreements_yaml = feed_consumer_agreements();
  std::string feed_yaml;  // the body of the feed: section ("" = none: the defaults)
};

// The partners: section for a hub that calls the simulators on the given ports, with the hub's
// test PKI; `extra` is added to every partner (breaker, cache... settings, indented 4 spaces).
std::string partners_for_sim(const std::map<std::string, unsigned short>& ports,
                             const std::string& extra = "", int request_timeout_ms = 800);
// The body of the store: section for an engine ("sqlite": the file; "postgresql": the URL).
std::string store_yaml(const std::string& engine, const std::string& sqlite_path,
                       const std::string& postgres_url);
// The body of an audit: section that signs the journal's checkpoints with the test PKI's journal
// key every `interval_ms`; `extra` is added (a tsa: line, indented 2 spaces).
std::string audit_yaml(int interval_ms = 1000, const std::string& extra = "");
// The origin the test hubs sign their checkpoints under, and the public key that checks them.
inline constexpr const char* kJournalOrigin = "cnss.ma/exchange-hub/journal";
std::string journal_public_key();
// The default recipes (person, employer_by_ice, employer_by_rc), as in conf/hub.yaml: the person
// recipe asks ANRC for AMO_TADAMON only, so its hub needs the anrc partner (partners_for_sim).
std::string default_exchange_yaml(int deadline_ms = 2500);

class HubProcess {
 public:
  explicit HubProcess(const HubOptions& options = {});
  unsigned short port(const std::string& listener) const { return ports_.at(listener); }
  Process& process() { return *process_; }
  const std::string& dir() const { return dir_; }
  const std::string& config_file() const { return config_; }

 private:
  std::string dir_;
  std::string config_;
  std::unique_ptr<Process> process_;
  std::map<std::string, unsigned short> ports_;
};

// The subject (RFC 2253) of one of the development PKI's CAs, by organisation ("CNSS", "DGCT"...),
// as certs/make-dev-pki.sh makes them.
std::string dev_ca_subject(const std::string& organisation);

// The hub configuration used by tests (ports 0: the hub picks free ones and logs them).
std::string hub_test_config(const std::string& dir, const HubOptions& options);

// A metric's value in Prometheus text (the first series whose name and labels contain every
// `needle`); -1 when absent.
double metric_value(const std::string& metrics_text, const std::string& name,
                    const std::vector<std::string>& needles);

}  // namespace testing_support
