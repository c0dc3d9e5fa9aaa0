// Any bytes as a client's body or a partner's text: the hub's one JSON reader and its entry rule
// for text (hub/text). Findings are crashes, undefined behaviour, and broken promises: text the
// rule accepts is valid UTF-8 and already clean (applying the rule again changes nothing), and
// every string of a document the reader accepts is such text.
#include <rapidjson/document.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/text/clean.hpp"
#include "hub/text/compare.hpp"
#include "hub/text/json.hpp"
#include "hub/text/utf8.hpp"

extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" CNSS_SOURCE_DIR
         "/tests/fuzz/ubsan.supp";
}

namespace {

void check_clean(std::string_view s) {
  std::string again;
  if (!hub::text::valid_utf8(s) || hub::text::clean(s, again) || again != s) __builtin_trap();
}

void check_strings(const rapidjson::Value& v) {
  if (v.IsString()) check_clean({v.GetString(), v.GetStringLength()});
  if (v.IsArray())
    for (const auto& item : v.GetArray()) check_strings(item);
  if (v.IsObject())
    for (const auto& m : v.GetObject()) {
      check_clean({m.name.GetString(), m.name.GetStringLength()});
      check_strings(m.value);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out;
  if (!hub::text::clean(input, out)) check_clean(out);
  (void)hub::text::comparison_key(input);
  for (bool as_text : {false, true}) {
    rapidjson::Document doc;
    hub::text::JsonOptions o;
    o.max_depth = 32;
    o.numbers_as_text = as_text;
    if (!hub::text::read_json(input, doc, o)) check_strings(doc);
  }
  return 0;
}
