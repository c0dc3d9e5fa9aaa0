// The `agreements:` section (conf/hub.yaml) and the body of PUT /admin/v1/agreements: the same
// shape, read by the same code, every problem with its line:column and key path.
//
//   agreements:
//     dgi_attestation:
//       principal: dgi                      # a name under principals:
//       legal_basis: {text: "...", reference: "CNV-DGI-2024-017"}
//       purposes: [VAT_REFUND, PUBLIC_PROCUREMENT]
//       purpose_header: X-DGI-Motif         # optional; X-Purpose is always read
//       resources:
//         affiliation_attestation:
//           fields: [affiliation_number, status, affiliated_on, declared_employees_last_month]
//       quota: {per_second: 50, per_day: 200000}
//       valid_from: 2025-01-01              # inclusive, UTC days
//       valid_until: 2027-12-31
#pragma once

#include "hub/agreements/agreement.hpp"
#include "hub/config/config.hpp"
#include "hub/config/yaml_reader.hpp"

#include <string>
#include <vector>

namespace hub::config {

// Reads the agreements under `m` (a mapping of agreement names) into `out`; `principals` are the
// names an agreement may refer to. Problems go to the reader's context.
void read_agreement_map(ReadContext& ctx, MapReader& m, const std::vector<Principal>& principals,
                        std::vector<agreements::Agreement>& out);

struct AgreementsResult {
  std::vector<agreements::Agreement> agreements;  // meaningful only when problems is empty
  std::vector<Problem> problems;
};

// Reads a whole set of agreements from YAML or JSON text: a mapping of agreement names (the
// body of PUT /admin/v1/agreements). `name` is the file name used in problems.
AgreementsResult parse_agreements(const std::string& text, const std::string& name,
                                  const std::vector<Principal>& principals);

}  // namespace hub::config
