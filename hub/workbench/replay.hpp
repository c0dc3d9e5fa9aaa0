// Replay (docs/workbench.md, "Replay"): the draft and the published version of one mapping run
// over the same partner answers; their records are compared field by field. A field is named by
// its JSON pointer with array indices as `*` (/children/*/birth_date); an answer that one side
// refuses compares as {"$error": code}. Values of `personal` canonical fields (names, CNIE, birth
// date and place, addresses: mappings/canonical/) are masked in the examples, one '*' a character
// but the first two and last two of a value longer than 6 ("Fa********ra"), the first of one of
// 3 to 6 ("A****"). A null value counts as the field not given.
#pragma once

#include <string>
#include <vector>

#include "hub/mapping/engine.hpp"

namespace hub::workbench {

// {"sample_size", "compared", "changed_answers", "failed_draft",
//  "fields": [{"path", "changed", "only_published", "only_draft", "examples": [...]}]}
// fields sorted by how many answers they changed, most first; at most 3 examples a field.
std::string replay_json(const mapping::Snapshot& published, const mapping::Snapshot& draft,
                        const std::string& mapping_id, const std::vector<std::string>& answers);

}  // namespace hub::workbench
