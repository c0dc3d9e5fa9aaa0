#include "hub/config/principals.hpp"

#include <cctype>
#include <set>
#include <tuple>
#include <vector>

#include "hub/tls/context.hpp"

namespace hub::config {
namespace {

// A listener that trusts several CAs: any of them could issue a certificate with any subject.
struct SharedTrust {
  std::string listener;
  std::size_t cas = 0;
};

// The first listener whose client_ca files hold more than one certificate (a bundle counts each
// one); files that cannot be read are not counted (check_files reports them).
std::optional<SharedTrust> shared_trust(const HubConfig& c) {
  for (const auto& l : c.listeners) {
    std::size_t cas = 0;
    for (const auto& file : l.tls.client_ca) {
      if (auto n = tls::count_certificates(file)) cas += *n;
    }
    if (cas > 1) return SharedTrust{l.name, cas};
  }
  return std::nullopt;
}

void read_issuer_key_id(ReadContext& ctx, MapReader& m, Principal& p) {
  std::string text;
  m.string("issuer_key_id", text);
  if (text.empty()) return;
  const std::string at = m.path() + "/issuer_key_id";
  if (auto id = normalise_key_id(text)) {
    p.issuer_key_id = *id;
  } else {
    ctx.problem(m.node()["issuer_key_id"], at, "invalid_value",
                "'" + text +
                    "' is not a key identifier: hexadecimal bytes, optionally separated by colons "
                    "(the CA's X509v3 Subject Key Identifier)");
  }
  if (p.issuer.empty()) {
    ctx.problem(m.node()["issuer_key_id"], m.path() + "/issuer", "missing_key",
                "issuer_key_id is given without issuer: give the CA's subject too");
  }
}

}  // namespace

std::optional<std::string> normalise_key_id(const std::string& text) {
  const bool colons = text.find(':') != std::string::npos;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool separator = colons && i % 3 == 2;
    if (separator != (text[i] == ':')) return std::nullopt;
    if (separator) continue;
    if (!std::isxdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  }
  if (out.empty() || out.size() % 2 != 0 || (colons && text.size() % 3 != 2)) return std::nullopt;
  return out;
}

void read_principals(ReadContext& ctx, MapReader& root, HubConfig& c) {
  const std::optional<SharedTrust> shared = shared_trust(c);
  std::set<std::string> names;
  std::set<std::tuple<std::string, std::string, std::string>> identities;
  for (auto& [node, path] : root.sequence("principals", true)) {
    MapReader m(ctx, node, path);
    if (!m.valid()) continue;
    Principal p;
    m.string("name", p.name, true);
    m.string("subject", p.subject, true);
    m.string("issuer", p.issuer);
    read_issuer_key_id(ctx, m, p);
    m.strings("roles", p.roles, true);
    if (!p.name.empty() && !names.insert(p.name).second) {
      ctx.problem(node["name"], path + "/name", "duplicate",
                  "principal '" + p.name + "' is declared twice");
    }
    if (!p.subject.empty() && !identities.emplace(p.subject, p.issuer, p.issuer_key_id).second) {
      ctx.problem(node["subject"], path + "/subject", "duplicate",
                  "another principal has this subject and issuer: a certificate would be either");
    }
    if (p.issuer.empty() && shared) {
      ctx.problem(node, path + "/issuer", "missing_key",
                  "principal '" + p.name + "' has no issuer, and listener '" + shared->listener +
                      "' trusts " + std::to_string(shared->cas) +
                      " CAs: any of them could issue a certificate with this subject. Give the "
                      "issuing CA's subject (openssl x509 -noout -issuer -nameopt RFC2253 -in "
                      "CERT)");
    }
    c.principals.push_back(std::move(p));
  }
}

const char* to_string(PrincipalMiss miss) {
  switch (miss) {
    case PrincipalMiss::none:
      return "none";
    case PrincipalMiss::unknown_subject:
      return "unknown_subject";
    case PrincipalMiss::issuer_mismatch:
      return "issuer_mismatch";
    case PrincipalMiss::issuer_key_id_mismatch:
      return "issuer_key_id_mismatch";
  }
  return "unknown_subject";
}

PrincipalMatch HubConfig::principal_by_subject(const std::string& subject,
                                               const std::string& issuer,
                                               const std::string& issuer_key_id) const {
  PrincipalMatch out;
  for (const auto& p : principals) {
    if (p.subject != subject) continue;
    if (!p.issuer.empty() && p.issuer != issuer) {
      if (out.claimed == nullptr) out = {nullptr, PrincipalMiss::issuer_mismatch, &p};
    } else if (!p.issuer_key_id.empty() && p.issuer_key_id != issuer_key_id) {
      out = {nullptr, PrincipalMiss::issuer_key_id_mismatch, &p};
    } else {
      return {&p, PrincipalMiss::none, nullptr};
    }
  }
  return out;
}

}  // namespace hub::config
