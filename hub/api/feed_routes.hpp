// The change feed's route (docs/feed.md, docs/openapi/feed.yaml): GET /v1/changes on listeners
// with the "feed" interface, for principals with the role `feed` whose agreements list a feed
// resource.
#pragma once

#include <string>

#include "hub/feed/feed.hpp"
#include "hub/http/router.hpp"

namespace hub::api {

// The feed must outlive the router.
void add_feed_routes(http::Router& router, feed::Feed& feed, std::string role = "feed");

}  // namespace hub::api
