// Bulk prefill jobs (role `registration`, docs/jobs.md, docs/openapi/jobs.yaml):
// POST /v1/jobs/prefill (a file of identifiers and a purpose, read in pieces and stored as it
// arrives: a streamed route within jobs.max_upload_bytes), GET /v1/jobs/{id} (state, progress,
// rate, ETA, errors by code), GET /v1/jobs/{id}/results (NDJSON in line order: streamed whole in
// one chunked answer, or a page at a time with ?limit=), DELETE /v1/jobs/{id} (cancels). A job is
// its owner's alone: another principal gets 404, as for a job that does not exist.
#pragma once

#include "hub/config/config.hpp"
#include "hub/http/router.hpp"
#include "hub/jobs/runner.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::api {

struct JobRoutes {
  const config::JobSettings* settings = nullptr;
  store::Store* store = nullptr;
  registry::StorePool* pool = nullptr;
  jobs::Runner* runner = nullptr;  // woken when a job is submitted
};

void add_job_routes(http::Router& router, const JobRoutes& parts);

}  // namespace hub::api
