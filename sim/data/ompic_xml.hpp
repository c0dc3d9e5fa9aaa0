// The rc:Entreprise element, shared by OMPIC's lookups and its pushed events.
#pragma once

#include "sim/data/companies.hpp"
#include "sim/data/render.hpp"

#include <string>
#include <string_view>

namespace sim::render {

constexpr std::string_view kOmpicNs = "http://www.ompic.ma/rc/v1";

// A namespace prefix for OMPIC elements: "rc" when strict, sometimes another or "" (default
// namespace) otherwise.
std::string_view ompic_prefix(Variation& v);
// Appends the element; declares the namespace on it when `declare` (a lookup's root), not when
// an enclosing element already did (an event).
void append_entreprise(std::string& out, const Company& c, Variation& v, std::string_view prefix,
                       bool declare);

}  // namespace sim::render
