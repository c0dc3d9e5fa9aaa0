// `cnss-hub audit witness --url URL --cert F --key F --ca F --pubkey KEY --state FILE`: one round
// of the witness protocol (docs/audit.md, "Witnesses"): fetch the hub's latest checkpoint, and
// the consistency proof from the one kept in FILE; keep the new one only if both verify.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>

#include "hub/audit/checkpoint.hpp"
#include "hub/audit/cli_commands.hpp"
#include "hub/audit/file_text.hpp"
#include "hub/audit/log_key.hpp"
#include "hub/audit/proof_json.hpp"
#include "hub/audit/signed_note.hpp"
#include "hub/audit/witness.hpp"
#include "hub/http/client.hpp"
#include "hub/http/url_client.hpp"
#include "hub/tls/context.hpp"

namespace hub::audit::cli {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr std::chrono::seconds kCallTimeout{10};
constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;

// The hub's journal API: a pool to its host and the path prefix of the journal routes
// ("/partner/v1/journal").
using Hub = http::UrlClient;

Result<Hub> connect(const std::string& url, const char* cert, const char* key, const char* ca) {
  return http::url_client(url, cert, key, ca, kCallTimeout, kMaxAnswerBytes);
}

// GET prefix + target; the body of a 200.
Result<std::string> get(asio::io_context& ioc, const Hub& hub, const std::string& target) {
  http::Request req{http::bhttp::verb::get, hub.prefix + target, 11};
  Result<http::Response> answer = make_error(Errc::timeout, "no answer from the hub");
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        answer = co_await hub.pool->request(req, std::chrono::steady_clock::now() + kCallTimeout);
      },
      asio::detached);
  ioc.restart();
  ioc.run();
  if (!answer) return answer.error();
  if (answer->result_int() != 200) {
    return make_error(Errc::partner_unavailable, "GET " + hub.prefix + target + " answered " +
                                                     std::to_string(answer->result_int()) + ": " +
                                                     answer->body());
  }
  return std::move(answer->body());
}

// The tree size a note claims, before anything is verified (to ask for the right proof).
std::optional<std::uint64_t> claimed_size(std::string_view note) {
  auto parsed = parse_note(note);
  if (!parsed) return std::nullopt;
  auto c = parse_checkpoint_text(parsed->text);
  if (!c) return std::nullopt;
  return c->size;
}

// Replaces `file` with `text` at once (a crash leaves the old one or the new one).
Result<void> write_atomically(const fs::path& file, std::string_view text) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) return make_error(Errc::internal, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec)
    return make_error(Errc::internal, "cannot replace " + file.string() + ": " + ec.message());
  return {};
}

struct Args {
  const char* url;
  const char* cert;
  const char* key;
  const char* ca;
  const char* pubkey;
  const char* state;
};

std::optional<Args> args_of(int argc, char** argv) {
  Args a{option(argc, argv, "--url"),    option(argc, argv, "--cert"),
         option(argc, argv, "--key"),    option(argc, argv, "--ca"),
         option(argc, argv, "--pubkey"), option(argc, argv, "--state")};
  if (!a.url || !a.cert || !a.key || !a.ca || !a.pubkey || !a.state) return std::nullopt;
  return a;
}

}  // namespace

int witness(int argc, char** argv, std::ostream& out, std::ostream& err) {
  auto a = args_of(argc, argv);
  if (!a) {
    err << "cnss-hub audit witness: --url, --cert, --key, --ca, --pubkey and --state are "
           "required\n";
    return 2;
  }
  auto fail = [&](const Error& e) {
    err << "cnss-hub audit witness: " << e.message << '\n';
    return 2;
  };
  auto key = load_log_key(a->pubkey);
  if (!key) return fail(key.error());
  std::optional<std::string> kept;
  if (auto text = read_file_text(a->state, kMaxNoteBytes)) {
    kept = std::move(*text);
  } else if (text.error().code != Errc::not_found) {
    return fail(text.error());
  }
  auto hub = connect(a->url, a->cert, a->key, a->ca);
  if (!hub) return fail(hub.error());
  asio::io_context ioc;
  auto note = get(ioc, *hub, "/checkpoint");
  if (!note) return fail(note.error());
  auto origin = checkpoint_origin(*note);
  if (!origin) return fail(origin.error());
  auto verifier = key->for_origin(*origin);
  if (!verifier) return fail(verifier.error());
  auto w = Witness::create(*verifier, kept);
  if (!w) return fail(make_error(Errc::internal, a->state + std::string(": ") + w.error().message));
  const std::uint64_t from = w->kept() ? w->kept()->size : 0;
  const auto to = claimed_size(*note);
  std::vector<Hash> proof;
  if (to && from > 0 && from < *to) {
    auto answer =
        get(ioc, *hub, "/consistency?from=" + std::to_string(from) + "&to=" + std::to_string(*to));
    if (!answer) return fail(answer.error());
    auto c = consistency_from_json(*answer);
    if (!c) return fail(c.error());
    proof = std::move(c->path);
  }
  auto accepted = w->update(*note, proof);
  if (!accepted) {
    out << "witness refused the hub's checkpoint: " << accepted.error().message << '\n';
    if (accepted.error().detail == "fork") {
      // The evidence: the note the hub showed now, beside the one it showed before.
      const std::string evidence = std::string(a->state) + ".fork";
      (void)write_atomically(evidence, *note);
      out << "the refused checkpoint is kept in " << evidence << ", the one kept before in "
          << a->state << '\n';
    }
    return 1;
  }
  if (auto saved = write_atomically(a->state, *note); !saved) return fail(saved.error());
  out << "witness kept tree size " << accepted->size << ", root hash " << to_hex(accepted->root);
  if (from > 0) out << ", consistent with the tree size " << from << " kept before";
  out << '\n';
  return 0;
}

}  // namespace hub::audit::cli
