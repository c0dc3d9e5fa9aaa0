#include "sim/wire.hpp"

#include <cmath>

#include "hub/http/content_coding.hpp"
#include "hub/http/fields.hpp"

namespace sim {
namespace {

// A lead byte of the Arabic block (U+0600..U+06FF): D8..DB.
bool has_arabic(std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0xD8 && b <= 0xDB) return true;
  }
  return false;
}

constexpr std::string_view kNbsp = "\xC2\xA0";
constexpr std::string_view kRlm = "\xE2\x80\x8F";

std::string marked(std::string_view text) {
  std::string out;
  const bool arabic = has_arabic(text);
  if (arabic) out += kRlm;
  for (char c : text) {
    if (c == ' ')
      out += kNbsp;
    else
      out.push_back(c);
  }
  if (arabic) out += kRlm;
  return out;
}

std::string marked_json(std::string_view body) {
  std::string out;
  std::size_t i = 0;
  while (i < body.size()) {
    if (body[i] != '"') {
      out.push_back(body[i++]);
      continue;
    }
    std::size_t end = i + 1;
    while (end < body.size() && body[end] != '"') end += body[end] == '\\' ? 2 : 1;
    out.push_back('"');
    out += marked(body.substr(i + 1, std::min(end, body.size()) - i - 1));
    if (end < body.size()) out.push_back('"');
    i = end + 1;
  }
  return out;
}

// Each XML text that is not only white space, changed by `f`.
template <class F>
std::string each_xml_text(std::string_view body, F f) {
  std::string out;
  std::size_t i = 0;
  while (i < body.size()) {
    const std::size_t close = body.find('>', i);
    if (close == std::string_view::npos) {
      out += body.substr(i);
      break;
    }
    out += body.substr(i, close + 1 - i);
    const std::size_t open = std::min(body.find('<', close), body.size());
    const std::string_view text = body.substr(close + 1, open - close - 1);
    const bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
    out += blank ? std::string(text) : f(text);
    i = open;
  }
  return out;
}

std::string marked_xml(std::string_view body) {
  return each_xml_text(body, marked);
}

std::string split(std::string_view text) {
  std::size_t cut = text.size() / 2;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole chars
  const auto amp = text.rfind('&', cut);
  if (amp != std::string_view::npos && text.find(';', amp) >= cut) cut = amp;  // not in an entity
  const std::string_view second = text.substr(cut);
  std::string out(text.substr(0, cut));
  out += "<!-- -->";
  if (second.find('&') == std::string_view::npos && second.find("]]>") == std::string_view::npos)
    out += "<![CDATA[" + std::string(second) + "]]>";
  else
    out += second;
  return out;
}

}  // namespace

std::string retry_after_value(std::string_view form, double seconds,
                              std::chrono::system_clock::time_point now) {
  using hub::http::DateForm;
  if (form == "seconds") return std::to_string(std::max(0L, std::lround(seconds)));
  const auto when = now + std::chrono::milliseconds(std::lround(seconds * 1000));
  return hub::http::http_date_text(std::chrono::time_point_cast<std::chrono::seconds>(when),
                                   form == "rfc850"    ? DateForm::rfc850
                                   : form == "asctime" ? DateForm::asctime
                                                       : DateForm::imf_fixdate);
}

std::string with_split_text(std::string_view body) {
  return each_xml_text(body, split);
}

std::string with_invisible_marks(std::string_view body, bool xml) {
  return xml ? marked_xml(body) : marked_json(body);
}

bool put_on_the_wire(Reply& reply, const FaultDraw& draw, std::string_view accept_encoding) {
  const bool xml = reply.content_type.find("xml") != std::string::npos;
  if (draw.invisible_marks) reply.body = with_invisible_marks(reply.body, xml);
  if (draw.split_text && xml) reply.body = with_split_text(reply.body);
  for (auto& [name, value] : reply.headers) {
    if (name == "Retry-After")
      value =
          retry_after_value(draw.retry_after, draw.retry_after_s, std::chrono::system_clock::now());
  }
  if (draw.bomb) {
    static const std::string bomb = hub::http::gzip_zeros(64u << 20);
    reply.status = 200;
    reply.kind = "injected_bomb";
    reply.body = bomb;
    reply.headers.emplace_back("Content-Encoding", "gzip");
    return true;
  }
  if (draw.encoding == "identity") return false;
  const std::string coding = draw.encoding == "gzip" ? "gzip" : "deflate";
  if (!hub::http::accepts_coding(accept_encoding, coding)) return false;
  reply.body = coding == "gzip" ? hub::http::gzip(reply.body)
                                : hub::http::deflate(reply.body, draw.encoding == "deflate_raw");
  reply.headers.emplace_back("Content-Encoding", coding);
  return true;
}

}  // namespace sim
