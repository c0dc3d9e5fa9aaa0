// The hub's own pages (web/: the agency registration screen, later the administrators' page),
// served as static files on the listeners that have the `web` interface. They are built by the
// CMake target `web` (npm ci + vite build) into <build>/web, which `hub.web_dir` names.
#pragma once

#include <cstddef>
#include <string>

#include "hub/core/error.hpp"
#include "hub/http/router.hpp"

namespace hub::api {

// Reads every file under `dir` into memory, once, and adds one GET route per file at its path
// relative to `dir` ("agency/index.html" -> /agency/index.html), plus "/agency/" for a folder's
// index.html and "/agency" redirecting (308) to it. Answers are served from memory: a path that
// is not one of these routes (a missing file, "..", an encoded slash) is the router's JSON 404,
// so no request ever reaches the filesystem.
//
// Headers: Content-Type from the extension; Cache-Control "no-cache" for pages and
// "private, max-age=31536000, immutable" under assets/ (Vite names those by their content hash);
// a strict Content-Security-Policy (only this origin's scripts, styles, images and API),
// X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer.
//
// Role: none beyond a known principal. The pages are public code and hold no data; the listener
// already refuses a certificate that maps to no principal, and every API call the pages make
// checks its own role (registration, override, admin...).
//
// Skipped: hidden files and folders (".name"), symbolic links, and names with characters outside
// [A-Za-z0-9._-] (Vite's names never have them; "{x}" would read as a route parameter).
// Errors: `dir` is not a readable folder, holds no file, or a file is over 8 MiB or the whole
// over 64 MiB (Errc::internal, detail "web_dir_invalid").
// Returns the number of files served.
Result<std::size_t> add_web_routes(http::Router& router, const std::string& dir);

// The Content-Type a file is served with, from its extension ("application/octet-stream" for
// one not listed).
std::string_view web_content_type(std::string_view file_name);

}  // namespace hub::api
