#include "hub/text/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <memory>

namespace hub::text {

bool is_utf8_charset(std::string_view charset) {
  std::string c(charset);
  for (char& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return c.empty() || c == "utf-8" || c == "utf8" || c == "us-ascii" || c == "ascii";
}

std::string xml_declared_encoding(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  if (!bytes.starts_with("<?xml")) return "";
  const auto end = bytes.find("?>");
  if (end == std::string_view::npos) return "";
  const std::string_view decl = bytes.substr(0, end);
  auto at = decl.find("encoding");
  if (at == std::string_view::npos) return "";
  at = decl.find_first_not_of(" \t\r\n", at + 8);
  if (at == std::string_view::npos || decl[at] != '=') return "";
  at = decl.find_first_not_of(" \t\r\n", at + 1);
  if (at == std::string_view::npos || (decl[at] != '"' && decl[at] != '\'')) return "";
  const auto close = decl.find(decl[at], at + 1);
  if (close == std::string_view::npos) return "";
  return std::string(decl.substr(at + 1, close - at - 1));
}

Result<std::string> to_utf8(std::string_view bytes, std::string_view charset) {
  const std::string name(charset);
  UErrorCode ec = U_ZERO_ERROR;
  std::unique_ptr<UConverter, void (*)(UConverter*)> conv(ucnv_open(name.c_str(), &ec),
                                                          &ucnv_close);
  if (U_FAILURE(ec) || !conv)
    return make_error(Errc::malformed_response,
                      "the answer is in charset '" + name + "', which the hub does not know",
                      "unsupported_charset");
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &ec);
  icu::UnicodeString u(bytes.data(), static_cast<int32_t>(bytes.size()), conv.get(), ec);
  if (U_FAILURE(ec))
    return make_error(Errc::malformed_response,
                      "the answer holds bytes that charset '" + name + "' does not define",
                      "bad_charset");
  std::string out;
  u.toUTF8String(out);
  return out;
}

}  // namespace hub::text
