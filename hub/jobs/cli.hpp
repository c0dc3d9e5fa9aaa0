// `cnss-hub jobs prefill FILE --url URL --cert F --key F --ca F --purpose P [--kind K]
// [--out FILE]`: submits a file of identifiers as a bulk prefill job over mutual TLS
// (docs/jobs.md), shows its progress (a bar on a terminal, a line every 5 s otherwise, on
// standard error) and writes the results, NDJSON in line order, to FILE or standard output.
#pragma once

namespace hub::jobs {

// argv[0] is "jobs". Exit status: 0 the job done and its results written, 1 it failed, was
// cancelled or the hub refused it, 2 bad usage.
int run_cli(int argc, char** argv);

}  // namespace hub::jobs
