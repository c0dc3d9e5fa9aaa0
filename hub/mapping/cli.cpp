#include "hub/mapping/cli.hpp"

#include "hub/core/version.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/mapping/yaml_source.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace hub::mapping {

namespace {

constexpr const char* kUsage =
    "Usage: cnss-hub mapping check [DIR|FILE]      compile mappings and run their golden cases\n"
    "       cnss-hub mapping run --mapping FILE --input PAYLOAD   map one payload ('-': stdin)\n";

int check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::filesystem::path target = args.empty() ? "mappings" : args[0];
  if (args.size() > 1) {
    err << kUsage;
    return 2;
  }
  LoadReport report =
      std::filesystem::is_directory(target) ? load_mapping_set(target) : load_mapping_file(target);
  for (const auto& d : report.diagnostics) err << d.str() << '\n';
  std::size_t passed = 0;
  for (const auto& c : report.cases) passed += c.passed ? 1 : 0;
  if (!report.ok()) {
    err << target.string() << ": " << report.diagnostics.size() << " error(s)";
    if (!report.cases.empty())
      err << ", " << passed << "/" << report.cases.size() << " cases passed";
    err << '\n';
    return 1;
  }
  out << target.string() << ": ok, " << report.snapshot->size() << " mapping(s), " << passed
      << " case(s) passed\n";
  return 0;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string mapping_file, input_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--mapping" && i + 1 < args.size())
      mapping_file = args[++i];
    else if (args[i] == "--input" && i + 1 < args.size())
      input_file = args[++i];
    else {
      err << "unknown argument '" << args[i] << "'\n" << kUsage;
      return 2;
    }
  }
  if (mapping_file.empty() || input_file.empty()) {
    err << kUsage;
    return 2;
  }
  LoadReport report = load_mapping_file(mapping_file, false);
  if (!report.ok()) {
    for (const auto& d : report.diagnostics) err << d.str() << '\n';
    return 1;
  }
  std::string payload;
  if (input_file == "-") {
    payload.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (auto text = read_file(input_file)) {
    payload = std::move(*text);
  } else {
    err << input_file << ": cannot read the file\n";
    return 1;
  }
  const std::string id = report.snapshot->ids().front();
  const auto mapping = report.snapshot->find(id);
  if (mapping->direction == Direction::reverse) {
    auto view = report.snapshot->reverse(id, payload);
    if (!view) {
      err << input_file << ": " << view.error().wire_code() << ": " << view.error().message << '\n';
      return 1;
    }
    out << view->body;
    if (view->body.empty() || view->body.back() != '\n') out << '\n';
    return 0;
  }
  auto rec = report.snapshot->map(id, payload, Context{});
  if (!rec) {
    const Error& e = rec.error();
    err << input_file << ": " << code_of(e.code);
    if (!e.detail.empty()) err << " (" << e.detail << ")";
    err << ": " << e.message << '\n';
    return 1;
  }
  // Problems quote payload text, which may hold anything: let the JSON writer escape it.
  rapidjson::StringBuffer problems;
  rapidjson::Writer<rapidjson::StringBuffer> w(problems);
  w.StartArray();
  for (const auto& p : rec->problems) {
    w.StartObject();
    w.Key("field");
    w.String(p.field.c_str(), static_cast<rapidjson::SizeType>(p.field.size()));
    w.Key("code");
    w.String(p.code.c_str(), static_cast<rapidjson::SizeType>(p.code.size()));
    w.Key("message");
    w.String(p.message.c_str(), static_cast<rapidjson::SizeType>(p.message.size()));
    w.EndObject();
  }
  w.EndArray();
  out << "{\"record\":" << rec->json << ",\"provenance\":" << rec->provenance_json()
      << ",\"problems\":" << problems.GetString() << "}\n";
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  if (asks_for_help(argc, argv)) {
    out << kUsage;
    return 0;
  }
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "check") return check(args, out, err);
  if (command == "run") return run(args, out, err);
  err << "unknown command '" << command << "'\n" << kUsage;
  return 2;
}

int run_cli(int argc, char** argv) {
  return run_cli(argc, argv, std::cout, std::cerr);
}

}  // namespace hub::mapping
