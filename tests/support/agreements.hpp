// Agreements the integration tests start a hub with (HubOptions::agreements_yaml, entries under
// `agreements:`, indented two spaces): DGI's affiliation attestation as dgi.md describes it, with
// the terms each test varies.
#pragma once

#include <cstdint>
#include <string>

namespace testing_support {

struct DgiTerms {
  double per_second = 50;
  std::uint64_t per_day = 200000;
  std::string valid_until = "2099-12-31";
  std::string purpose_header;  // "": X-Purpose only
};

// dgi_attestation: principal dgi, purposes VAT_REFUND and PUBLIC_PROCUREMENT, the attestation's
// four fields, in force from 2025-01-01.
inline std::string dgi_attestation_yaml(const DgiTerms& t = {}) {
  auto number = [](double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  };
  return R"(  dgi_attestation:
    principal: dgi
    legal_basis: {text: "Convention CNSS-DGI, art. 3", reference: CNV-DGI-2024-017}
    purposes: [VAT_REFUND, PUBLIC_PROCUREMENT]
)" + (t.purpose_header.empty() ? "" : "    purpose_header: " + t.purpose_header + "\n") +
         R"(    resources:
      affiliation_attestation:
        fields: [affiliation_number, status, affiliated_on, declared_employees_last_month]
    quota: {per_second: )" +
         number(t.per_second) + ", per_day: " + std::to_string(t.per_day) + R"(}
    valid_from: 2025-01-01
    valid_until: )" +
         t.valid_until + "\n";
}

}  // namespace testing_support
