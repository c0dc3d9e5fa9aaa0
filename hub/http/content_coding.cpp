#include "hub/http/content_coding.hpp"

#include <zlib.h>

#include <algorithm>
#include <memory>

#include "hub/http/fields.hpp"

namespace hub::http {
namespace {

enum class Wrapper { gzip, zlib, raw };

int window_bits(Wrapper w) {
  return w == Wrapper::gzip ? 16 + MAX_WBITS : w == Wrapper::zlib ? MAX_WBITS : -MAX_WBITS;
}

Error bad(std::string detail, std::string message) {
  return make_error(Errc::malformed_response, std::move(message), std::move(detail));
}

// RFC 1950 section 2.2: CM 8 (deflate) and a header check that is a multiple of 31.
bool zlib_header(std::string_view s) {
  if (s.size() < 2) return false;
  const auto cmf = static_cast<unsigned char>(s[0]), flg = static_cast<unsigned char>(s[1]);
  return (cmf & 0x0F) == 8 && (cmf * 256 + flg) % 31 == 0;
}

struct Inflater {
  z_stream z{};
  bool ready = false;
  explicit Inflater(Wrapper w) { ready = inflateInit2(&z, window_bits(w)) == Z_OK; }
  ~Inflater() {
    if (ready) inflateEnd(&z);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

Result<std::string> inflate_all(std::string_view in, Wrapper w, std::size_t limit,
                                std::string_view name) {
  Inflater inf(w);
  if (!inf.ready) return make_error(Errc::internal, "zlib could not start", "zlib_init");
  z_stream& z = inf.z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  auto chunk = std::make_unique_for_overwrite<unsigned char[]>(64 * 1024);
  for (;;) {
    z.next_out = chunk.get();
    z.avail_out = 64 * 1024;
    const int ret = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = 64 * 1024 - z.avail_out;
    if (out.size() + produced > limit)
      return bad("response_too_large", "the answer is over the limit of " + std::to_string(limit) +
                                           " bytes once decoded (" + std::string(name) + ")");
    if (out.capacity() < out.size() + produced)
      out.reserve(std::min(limit, std::max(out.capacity() * 2, out.size() + produced)));
    out.append(reinterpret_cast<const char*>(chunk.get()), produced);
    if (ret == Z_STREAM_END) {
      if (z.avail_in == 0) return out;
      // gzip allows several members one after the other (RFC 1952 section 2.2).
      if (w == Wrapper::gzip && z.avail_in >= 2 && z.next_in[0] == 0x1F && z.next_in[1] == 0x8B &&
          inflateReset(&z) == Z_OK)
        continue;
      return bad("bad_content_encoding",
                 "bytes follow the end of the " + std::string(name) + " stream");
    }
    if (ret == Z_OK) continue;
    if (ret == Z_BUF_ERROR && z.avail_in == 0)
      return bad("bad_content_encoding", "the " + std::string(name) + " stream ends early");
    return bad("bad_content_encoding",
               "the content is not " + std::string(name) + ": " + (z.msg ? z.msg : "zlib error"));
  }
}

}  // namespace

bool decodable_coding(std::string_view coding) {
  const auto c = list_members(coding);
  if (c.size() != 1) return false;
  return c[0] == "gzip" || c[0] == "x-gzip" || c[0] == "deflate" || c[0] == "identity";
}

Result<std::string> decode_content(std::string body, std::string_view content_encoding,
                                   std::size_t limit) {
  const auto codings = list_members(content_encoding);
  for (const auto& c : codings) {
    if (!decodable_coding(c))
      return bad("unsupported_content_encoding", "the answer's Content-Encoding '" + c +
                                                     "' is not one the hub reads (it sends "
                                                     "Accept-Encoding: " +
                                                     std::string(kAcceptEncoding) + ")");
  }
  // Codings are listed in the order they were applied: undone from the last (section 8.4).
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    if (*it == "identity") continue;
    const bool gz = *it != "deflate";
    auto decoded = inflate_all(body,
                               gz                  ? Wrapper::gzip
                               : zlib_header(body) ? Wrapper::zlib
                                                   : Wrapper::raw,
                               limit, gz ? "gzip" : "deflate");
    if (!decoded) return decoded.error();
    body = std::move(*decoded);
  }
  if (body.size() > limit)
    return bad("response_too_large",
               "the answer is over the limit of " + std::to_string(limit) + " bytes");
  return body;
}

struct ContentDecoder::State {
  bool gzip = true;
  std::string name;               // for messages: gzip or deflate
  std::unique_ptr<Inflater> inf;  // deflate: made once its first two bytes tell zlib from raw
  std::string head;               // deflate: the bytes before that
  std::string_view in;            // given and not used yet
  bool ended = false;             // the coded stream (its last gzip member) is complete
};

Result<std::unique_ptr<ContentDecoder>> ContentDecoder::for_coding(
    std::string_view content_encoding) {
  std::string coding;
  for (const auto& c : list_members(content_encoding)) {
    if (!decodable_coding(c) || (c != "identity" && !coding.empty()))
      return bad("unsupported_content_encoding",
                 "Content-Encoding '" + std::string(content_encoding) +
                     "': this route reads one coding of gzip, x-gzip or deflate");
    if (c != "identity") coding = c;
  }
  if (coding.empty()) return std::unique_ptr<ContentDecoder>();
  auto state = std::make_unique<State>();
  state->gzip = coding != "deflate";
  state->name = state->gzip ? "gzip" : "deflate";
  if (state->gzip) state->inf = std::make_unique<Inflater>(Wrapper::gzip);
  return std::unique_ptr<ContentDecoder>(new ContentDecoder(std::move(state)));
}

ContentDecoder::ContentDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
ContentDecoder::~ContentDecoder() = default;

void ContentDecoder::give(std::string_view coded) {
  state_->in = coded;
}

Result<std::size_t> ContentDecoder::read(std::span<char> out) {
  State& s = *state_;
  if (!s.inf) {
    s.head.append(s.in);
    s.in = {};
    if (s.head.size() < 2) return 0;
    s.inf = std::make_unique<Inflater>(zlib_header(s.head) ? Wrapper::zlib : Wrapper::raw);
    s.in = s.head;
  }
  if (!s.inf->ready) return make_error(Errc::internal, "zlib could not start", "zlib_init");
  z_stream& z = s.inf->z;
  std::size_t produced = 0;
  while (produced == 0 && !s.in.empty()) {
    if (s.ended) {
      // gzip allows several members one after the other (RFC 1952 section 2.2).
      if (!s.gzip || static_cast<unsigned char>(s.in[0]) != 0x1F || inflateReset(&z) != Z_OK)
        return bad("bad_content_encoding", "bytes follow the end of the " + s.name + " stream");
      s.ended = false;
    }
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.in.data()));
    z.avail_in = static_cast<uInt>(s.in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int ret = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
    const bool stuck = produced == 0 && z.avail_in == s.in.size();
    s.in.remove_prefix(s.in.size() - z.avail_in);
    if (ret == Z_STREAM_END) s.ended = true;
    if ((ret != Z_OK && ret != Z_STREAM_END) || (stuck && !s.ended))
      return bad("bad_content_encoding",
                 "the content is not " + s.name + ": " + (z.msg ? z.msg : "zlib error"));
  }
  return produced;
}

Result<void> ContentDecoder::finish() const {
  if (!state_->ended)
    return bad("bad_content_encoding", "the " + state_->name + " stream ends early");
  return {};
}

namespace {

std::string deflate_with(std::string_view data, int bits) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return {};
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  ::deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

std::string gzip_zeros(std::size_t n) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return {};
  static const unsigned char zeros[64 * 1024] = {};
  std::string out;
  unsigned char buf[16 * 1024];
  while (true) {
    const std::size_t take = std::min(n, sizeof zeros);
    n -= take;
    z.next_in = const_cast<Bytef*>(zeros);
    z.avail_in = static_cast<uInt>(take);
    const int flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      ::deflate(&z, flush);
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
    if (flush == Z_FINISH) break;
  }
  deflateEnd(&z);
  return out;
}

std::string gzip(std::string_view data) {
  return deflate_with(data, 16 + MAX_WBITS);
}

std::string deflate(std::string_view data, bool raw) {
  return deflate_with(data, raw ? -MAX_WBITS : MAX_WBITS);
}

}  // namespace hub::http
