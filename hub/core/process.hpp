// What the hub asks of its own process: enough file descriptors for its connection limits, and
// the heap's free pages given back once a burst of connections has ended.
#pragma once

#include <cstddef>

namespace hub::process {

// Raises the soft limit of open files to the hard limit (as Go's runtime and nginx's
// worker_rlimit_nofile do; systemd's default soft limit is 1,024) and returns the new soft
// limit; 0 when it cannot be read.
std::size_t raise_open_file_limit();

// glibc's malloc_trim(0): returns the free pages of every malloc arena to the system, not only
// the top of the heap. A few milliseconds on a large heap: call it after a burst, not per request.
void return_free_memory();

}  // namespace hub::process
