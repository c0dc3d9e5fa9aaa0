// The prefill answer as JSON text: {"record", "provenance", "conflicts", "partners",
// "correlation_id"} (docs/openapi/prefill.yaml), made from the steps' outcomes. What an answer's
// every use shares is rendered once, when the answer is made (seal_answer); an answer served from
// the cache then costs copies of text, not a parse and a serialisation per request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/exchange/answer.hpp"
#include "hub/exchange/broker.hpp"

namespace hub::exchange {

// "full", "compact" or "none"; nullopt for anything else.
std::optional<ProvenanceForm> provenance_form(std::string_view text);

// The JSON pointers into the records of `mapping_id` that the recipes read: the values their
// conflict rules compare and the parameters their steps take from another step's record.
std::vector<std::string> pointers_read(const config::ExchangeSettings& exchange,
                                       std::string_view mapping_id);

// Completes a new answer whose record, sources (raw: pointer and path as text) and other members
// are set: adds the provenance of values the mapping itself set, escapes the sources, renders
// provenance_head and picks the values at `pointers` (pointers_read()). `record` is record_json
// parsed, the one parse an answer ever gets on the way out.
void seal_answer(MappedAnswer& a, const rapidjson::Value& record,
                 const std::vector<std::string>& pointers);

// The answer's sources as the partner's payload names them, unescaped (sources holds them as JSON
// string contents), without the values the mapping itself set: what the registry keeps as a
// registration's evidence (hub/registry/facts.hpp, Section::sources).
std::vector<std::pair<std::string, std::string>> raw_sources(const MappedAnswer& a);

// The text of the record's value at `pointer` (a string as it is, a number or boolean as JSON),
// nullopt when absent or null: from the picked values, else from a parse of the record.
std::optional<std::string> value_at(const MappedAnswer& a, const std::string& pointer);

// The whole answer's body.
std::string answer_body(const config::Recipe& recipe, const std::vector<StepOutcome>& steps,
                        std::string_view correlation_id, ProvenanceForm form);

}  // namespace hub::exchange
