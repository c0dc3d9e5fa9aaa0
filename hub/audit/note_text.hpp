// The text rules of C2SP signed notes (c2sp.org/signed-note, "Format"): valid UTF-8 with no ASCII
// control character but newline, and key names that are non-empty with no Unicode space and no
// '+'.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hub::audit {

// The first problem found, as "byte N: ..." (N from 0), or nothing when the text is acceptable.
std::optional<std::string> note_text_problem(std::string_view text);

// Non-empty, valid UTF-8, no Unicode space (White_Space: ASCII spaces and controls, U+0085,
// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), no '+'.
bool is_valid_key_name(std::string_view name);

}  // namespace hub::audit
