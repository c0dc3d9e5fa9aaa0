// Helpers for the simulators' contract tests: requests as the hub sends them, namespace-aware
// XML navigation (prefixes resolved to URIs by hand, so any prefix or a default namespace is
// accepted), format checks, and samples of identifiers.
#pragma once

#include "sim/data/handlers.hpp"

#include <rapidjson/document.h>
#include <pugixml.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sim::testing {

constexpr std::string_view kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kCnieNs = "urn:ma:dgsn:cnie:v2";
constexpr std::string_view kOmpicNs = "http://www.ompic.ma/rc/v1";

Options default_options();
Options strict_options();

std::string soap_request(std::string_view cnie, std::string_view motif = "IMMATRICULATION",
                         std::string_view env_prefix = "soapenv",
                         std::string_view cnie_prefix = "cnie");
Reply dgsn(const Options& o, std::string_view cnie);
Reply dgct(const Options& o, std::string_view cnie, std::string_view motif = "AYANTS_DROIT");
Reply ompic_by_ice(const Options& o, std::string_view ice);
Reply ompic_by_rc(const Options& o, std::string_view tribunal, std::string_view number);
Reply dgi(const Options& o, std::string_view target);
Reply anrc(const Options& o, std::string_view target, std::string_view finalite = "AMO_TADAMON");

// XML: the namespace URI of an element or of a prefix in scope at `node`.
std::string namespace_of(pugi::xml_node node);
std::string namespace_of_prefix(pugi::xml_node node, std::string_view prefix);
std::string_view local_name(pugi::xml_node node);
std::string_view prefix_of(pugi::xml_node node);
std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view ns,
                                     std::string_view name);
pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view name);
std::string text(pugi::xml_node node);
// Local names of the element children, in order.
std::vector<std::string> child_names(pugi::xml_node parent);

bool parse_xml(pugi::xml_document& doc, std::string_view body);
bool parse_json(rapidjson::Document& doc, std::string_view body);
// Member names in order.
std::vector<std::string> keys(const rapidjson::Value& object);
std::string string_or_empty(const rapidjson::Value& object, const char* key);

bool is_iso_date(std::string_view s);     // YYYY-MM-DD, a real date
bool is_dmy_date(std::string_view s);     // dd/MM/yyyy, a real date
bool is_rfc3339_utc(std::string_view s);  // YYYY-MM-DDThh:mm:ssZ
// dd/MM/yyyy -> YYYY-MM-DD
std::string dmy_to_iso(std::string_view s);
bool has_arabic(std::string_view s);
std::string upper(std::string_view s);

// Well-formed, unreserved identifiers, mostly of the common two-letter form.
std::vector<std::string> sample_cnies(std::size_t n, std::uint64_t seed);
std::vector<std::string> sample_ices(std::size_t n, std::uint64_t seed);
std::vector<std::string> sample_ifs(std::size_t n, std::uint64_t seed);

// The identity DGSN gives for a CNIE, read through the contract.
struct Citizen {
  std::string cnie, last, first, birth /* dd/MM/yyyy or 00/00/yyyy */, sex, death;
};
// Checks the answer against dgsn.md and reads it; `problems` lists what breaks the contract.
Citizen read_citizen(std::string_view body, bool strict, std::vector<std::string>& problems);

std::string join(const std::vector<std::string>& problems);

}  // namespace sim::testing
