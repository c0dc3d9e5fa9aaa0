// How a simulated answer goes on the wire, as real partners send theirs: coded with gzip or
// deflate when the client accepts it, Retry-After as delay-seconds or as an HTTP-date in any of
// its three forms, no-break spaces and bidi marks in its texts, or a decompression bomb. Driven
// by the fault settings (conf/sim.yaml, PUT /_sim/faults; docs/simulators.md).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sim/data/handlers.hpp"
#include "sim/faults.hpp"

namespace sim {

// Retry-After's value `seconds` from `now`, in `form` (seconds | imf_fixdate | rfc850 | asctime).
std::string retry_after_value(std::string_view form, double seconds,
                              std::chrono::system_clock::time_point now);

// The body's texts (JSON strings, XML text that is not only white space) with no-break spaces
// for spaces and a right-to-left mark at either end of those holding Arabic letters.
std::string with_invisible_marks(std::string_view body, bool xml);

// The XML body with each text that is not only white space cut in two: the first half, a
// comment, then the second half in a CDATA section (as text when it holds an entity reference,
// which a CDATA section would not read).
std::string with_split_text(std::string_view body);

// Applies the draw to the reply: the texts' marks and cuts, the Retry-After form, the bomb (a gzip
// body that decodes to 64 MiB of zeros, sent as Content-Encoding: gzip whatever was accepted), then
// the coding, when `accept_encoding` allows it. True when the body went out coded.
bool put_on_the_wire(Reply& reply, const FaultDraw& draw, std::string_view accept_encoding);

}  // namespace sim
