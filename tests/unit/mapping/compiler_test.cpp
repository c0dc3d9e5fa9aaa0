// A wrong mapping is refused before it is served, with file:line:col, a stable code and the key
// path; every problem is reported, not only the first.
#include "hub/mapping/compiler.hpp"

#include "hub/mapping/engine.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>

namespace hub::mapping {
namespace {

const std::filesystem::path kSet = std::filesystem::path(CNSS_SOURCE_DIR) / "mappings";

class CompilerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new CanonicalModel(CanonicalModel::load(kSet / "canonical", setup_diags_));
    tables_ = new TableSet(load_tables(kSet / "tables", setup_diags_));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete tables_;
  }

  // Compiles YAML text as if it were the file `name`.
  std::shared_ptr<Mapping> compile(const std::string& yaml, const std::string& name = "t.yaml") {
    diags.clear();
    return compile_mapping(YAML::Load(yaml), name, *model_, *tables_, diags);
  }

  const Diagnostic* find(std::string_view code) const {
    auto it = std::find_if(diags.begin(), diags.end(),
                           [&](const Diagnostic& d) { return d.code == code; });
    return it == diags.end() ? nullptr : &*it;
  }

  std::string all() const {
    std::string s;
    for (const auto& d : diags) s += d.str() + "\n";
    return s;
  }

  Diagnostics diags;
  static inline Diagnostics setup_diags_;
  static inline CanonicalModel* model_ = nullptr;
  static inline TableSet* tables_ = nullptr;
};

const std::string kHead = R"(mapping: test.person
version: 1
target: person
source:
  format: xml
  namespaces: {c: "urn:ma:dgsn:cnie:v2"}
  root: /c:Citoyen
fields:
)";

TEST_F(CompilerTest, TheCanonicalModelAndTablesLoadCleanly) {
  EXPECT_TRUE(setup_diags_.empty()) << setup_diags_.front().str();
  ASSERT_NE(model_->find("person"), nullptr);
  EXPECT_NE(model_->find("family"), nullptr);
  EXPECT_NE(model_->find("company"), nullptr);
  EXPECT_NE(model_->find("taxpayer"), nullptr);
  EXPECT_NE(model_->find("civil_event"), nullptr);
  EXPECT_NE(model_->find("company_event"), nullptr);
  EXPECT_TRUE(model_->find("person")->find("birth_date")->partial);
}

TEST_F(CompilerTest, AValidMappingCompiles) {
  auto m = compile(kHead + "  last_name: {path: c:Nom/c:Latin, transform: [trim, upper]}\n");
  ASSERT_NE(m, nullptr) << all();
  EXPECT_EQ(m->id, "test.person");
  EXPECT_EQ(m->fields.size(), 1u);
  EXPECT_EQ(m->fields[0].paths[0].steps[0].uri, "urn:ma:dgsn:cnie:v2");
}

TEST_F(CompilerTest, UnknownTargetFieldIsRefusedWithPositionAndHint) {
  auto m = compile(kHead + "  last_nam: c:Nom/c:Latin\n");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("unknown_field");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->pos.line, 9);
  EXPECT_EQ(d->pos.col, 3);
  EXPECT_EQ(d->key_path, "fields.last_nam");
  EXPECT_NE(d->message.find("did you mean 'last_name'"), std::string::npos) << d->message;
  EXPECT_EQ(d->str(), "t.yaml:9:3: unknown_field: fields.last_nam: " + d->message);
}

TEST_F(CompilerTest, TypeMismatchIsRefused) {
  // A date field fed raw text: it needs a date step with an explicit pattern.
  auto m = compile(kHead + "  death_date: c:DateDeces\n");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("type_mismatch");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->pos.line, 9);
  EXPECT_NE(d->message.find("date"), std::string::npos);
}

TEST_F(CompilerTest, StepInputTypesAreChecked) {
  auto m = compile(
      kHead +
      "  last_name: {path: c:Nom, transform: [{date: dd/MM/yyyy, on_error: null}, upper]}\n");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("type_mismatch");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->key_path, "fields.last_name.transform[1]");
}

TEST_F(CompilerTest, YearOnlyDatesCannotFillAFullDateField) {
  auto m =
      compile(kHead +
              "  death_date: {path: c:D, transform: [{date: dd/MM/yyyy, year_only: 00/00/yyyy}], "
              "on_error: null}\n");
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(find("type_mismatch"), nullptr) << all();
}

TEST_F(CompilerTest, UnhandledFallibleStepIsRefused) {
  auto m = compile(
      kHead +
      "  birth_date:\n    path: c:DateNaissance\n    transform:\n      - {date: dd/MM/yyyy}\n");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("unhandled_error");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->pos.line, 12);
  EXPECT_EQ(d->pos.col, 9);
  EXPECT_EQ(d->key_path, "fields.birth_date");
}

TEST_F(CompilerTest, AnEnumTargetImpliesACheckThatMustBeHandled) {
  EXPECT_EQ(compile(kHead + "  sex: c:Sexe\n"), nullptr);
  EXPECT_NE(find("unhandled_error"), nullptr) << all();
  EXPECT_NE(compile(kHead + "  sex: {path: c:Sexe, on_error: null}\n"), nullptr) << all();
}

TEST_F(CompilerTest, ATableWhoseValuesFitTheEnumNeedsNoEnumCheck) {
  // Only the table lookup itself can fail; its values are all card states.
  auto m = compile(kHead +
                   "  card: {from: c:Carte, fields: {status: {path: c:Etat, transform: [{table: "
                   "dgsn_card_status, on_error: null}]}}}\n");
  ASSERT_NE(m, nullptr) << all();
  EXPECT_EQ(m->fields[0].fields[0].steps.size(), 1u);
}

TEST_F(CompilerTest, BadPathsAreRefused) {
  auto m = compile(
      kHead +
      "  last_name: x:Nom\n  first_name: c:Prenom//c:Latin\n  birth_place: \"c:Lieu/@a/b\"\n");
  EXPECT_EQ(m, nullptr);
  auto n = std::count_if(diags.begin(), diags.end(),
                         [](const Diagnostic& d) { return d.code == "bad_path"; });
  EXPECT_EQ(n, 3) << all();
  const Diagnostic* d = find("bad_path");
  EXPECT_EQ(d->pos.line, 9);
  EXPECT_EQ(d->pos.col, 14);
  EXPECT_NE(d->message.find("prefix 'x' is not declared"), std::string::npos);
}

TEST_F(CompilerTest, YamlSyntaxErrorIsRefusedWithPosition) {
  const auto file = std::filesystem::path(::testing::TempDir()) /
                    ("broken-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file) << kHead << "  last_name: {path: c:Nom\n  first_name: c:Prenom\n";
  auto m = compile_mapping_file(file, *model_, *tables_, diags);
  EXPECT_EQ(m, nullptr);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].code, "yaml_syntax");
  EXPECT_GT(diags[0].pos.line, 8);
  EXPECT_EQ(diags[0].file, file.string());
}

TEST_F(CompilerTest, EveryErrorIsReportedNotOnlyTheFirst) {
  auto m = compile(kHead +
                   "  nom: c:Nom\n"
                   "  birth_date: {path: c:D, transform: [{date: dd/MM/yyyy}]}\n"
                   "  sex: {path: c:Sexe, transform: [uper], on_error: null}\n"
                   "  card: {from: c:Carte, fields: {status: {path: c:Etat, transform: [{table: "
                   "nope}], on_error: null}}}\n");
  EXPECT_EQ(m, nullptr);
  for (const char* code :
       {"unknown_field", "unhandled_error", "unknown_transform", "unknown_table"})
    EXPECT_NE(find(code), nullptr) << code << "\n" << all();
  EXPECT_NE(find("unknown_transform")->message.find("did you mean 'upper'"), std::string::npos);
}

// A step written as an empty map ({}) is refused with its position, never read past its end
// (found by fuzz_mapping_compiler: undefined behaviour in the iterator before).
TEST_F(CompilerTest, AnEmptyStepIsRefusedWithItsPosition) {
  auto m = compile(kHead + "  last_name: {path: c:Nom, transform: [trim, {}], on_error: null}\n");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("bad_value");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_NE(d->message.find("an empty step"), std::string::npos) << all();
  EXPECT_GT(d->pos.line, 0);
}

TEST_F(CompilerTest, StructureErrorsHaveTheirOwnCodes) {
  EXPECT_EQ(compile("mapping: x\nversion: 0\ntarget: persn\nsource: {format: csv, root: "
                    "/a}\nfields: {}\nextra: 1\n"),
            nullptr);
  for (const char* code : {"bad_value", "unknown_entity", "unknown_key"})
    EXPECT_NE(find(code), nullptr) << code << "\n" << all();
  EXPECT_NE(find("unknown_entity")->message.find("did you mean 'person'"), std::string::npos);
}

TEST_F(CompilerTest, LiteralsAreCheckedAgainstTheTargetType) {
  EXPECT_EQ(compile(kHead + "  sex: {const: X}\n"), nullptr);
  EXPECT_NE(find("type_mismatch"), nullptr) << all();
  EXPECT_EQ(compile(kHead + "  death_date: {path: c:D, default: 2024-02-30, transform: [{date: "
                            "dd/MM/yyyy}], on_error: default}\n"),
            nullptr);
  EXPECT_NE(find("type_mismatch"), nullptr) << all();
  EXPECT_NE(compile(kHead + "  sex: {const: F}\n"), nullptr) << all();
}

TEST_F(CompilerTest, BadPatternsAreRefused) {
  EXPECT_EQ(
      compile(kHead + "  death_date: {path: c:D, transform: [{date: dd/MM/yy}], on_error: null}\n"),
      nullptr);
  EXPECT_NE(find("bad_pattern"), nullptr) << all();
  EXPECT_EQ(
      compile(kHead +
              "  last_name: {path: c:D, transform: [{extract: \"([a-z\"}], on_error: null}\n"),
      nullptr);
  EXPECT_NE(find("bad_pattern"), nullptr) << all();
  // What needs backtracking (a back-reference, look-ahead) is refused when the mapping is
  // compiled: every accepted pattern matches in time linear in the value (RE2).
  EXPECT_EQ(compile(kHead + "  last_name: {path: c:D, validate: [{regex: '^(a)\\1$'}], "
                            "on_error: null}\n"),
            nullptr);
  ASSERT_NE(find("bad_pattern"), nullptr) << all();
  EXPECT_NE(find("bad_pattern")->message.find("RE2"), std::string::npos) << all();
  EXPECT_EQ(compile(kHead + "  last_name: {path: c:D, validate: [{regex: '^(?=a)a$'}], "
                            "on_error: null}\n"),
            nullptr);
  EXPECT_NE(find("bad_pattern"), nullptr) << all();
}

TEST_F(CompilerTest, ErrorRulesNameHubErrorCodes) {
  auto m = compile(R"(mapping: t
version: 1
target: person
source: {format: xml, root: /Citoyen}
errors:
  - match: /Erreur
    code: Code
    codes: {INCONNU: not_fund}
fields: {}
)");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("unknown_error_code");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_NE(d->message.find("did you mean 'not_found'"), std::string::npos);
}

// A partner view of an affiliation, its fields to follow (line 7 on).
const std::string kReverseHead = R"(mapping: t.view
version: 1
direction: reverse
source: {canonical: affiliation}
output: {format: json}
fields:
)";

TEST_F(CompilerTest, APartnerViewMayNotExposePersonalData) {
  auto m = compile(kReverseHead + R"(  numero: affiliation_number
  salaire: legal_representative/salary
)");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("personal_data_exposed");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->pos.line, 8);
}

// YAML keys are unique (YAML 1.2 section 3.2.1.1): a key written twice is refused at the second,
// never read as the first. A partner view with an output name twice would send the partner a
// JSON object with a name twice, which readers read two ways.
TEST_F(CompilerTest, AKeyWrittenTwiceIsRefusedAtTheSecond) {
  auto m = compile(kReverseHead + R"(  numero: {path: affiliation_number, required: true}
  statut: status
  numero: status
)");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("duplicate_key");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->pos.line, 9);
  EXPECT_EQ(d->pos.col, 3);
  EXPECT_EQ(d->key_path, "fields.numero");

  m = compile("mapping: test.person\nmapping: test.other\n" + kHead.substr(kHead.find('\n') + 1) +
              "  last_name: {path: c:Nom/c:Latin, transform: [trim], transform: [upper]}\n");
  EXPECT_EQ(m, nullptr);
  std::vector<int> lines;
  for (const auto& x : diags) {
    if (x.code == "duplicate_key") lines.push_back(x.pos.line);
  }
  EXPECT_EQ(lines, (std::vector<int>{2, 10})) << all();
}

// A code table's code written twice is refused at the second, where an editor shows it (the
// workbench and `cnss-hub check` print this position), not at the table's first entry.
TEST_F(CompilerTest, ATableCodeWrittenTwiceIsRefusedAtTheSecond) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tables-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "card_status.yaml")
      << "description: card states\nentries:\n  VALIDE: valid\n  EXPIREE: expired\n"
         "  PERDUE: lost\n  PERDUE: stolen\n";
  Diagnostics d;
  const TableSet tables = load_tables(dir, d);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "duplicate_key");
  EXPECT_EQ(d[0].pos.line, 6) << d[0].str();
  EXPECT_EQ(d[0].pos.col, 3) << d[0].str();
  // The first stands.
  ASSERT_EQ(tables.count("card_status"), 1u);
  ASSERT_NE(tables.at("card_status")->lookup("PERDUE"), nullptr);
  EXPECT_EQ(*tables.at("card_status")->lookup("PERDUE"), "lost");
}

// A code table file that is not a map of description, entries and default is refused with its
// position, never thrown out of the loader: a scalar (an administrator's table draft "oops")
// aborted cnss-hub check, and the hub validating the draft. A misspelt key is not read as no
// default.
TEST_F(CompilerTest, ATableOfAnotherShapeIsRefusedWithItsPosition) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tables-shape-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a_scalar.yaml") << "oops\n";
  std::ofstream(dir / "b_list.yaml") << "- VALIDE\n- EXPIREE\n";
  std::ofstream(dir / "c_empty.yaml") << "";
  std::ofstream(dir / "d_typo.yaml") << "entries: {A: x}\ndefualt: y\n";
  std::ofstream(dir / "e_default.yaml") << "entries: {A: x}\ndefault: [y]\n";
  Diagnostics d;
  const TableSet tables = load_tables(dir, d);
  std::filesystem::remove_all(dir);
  std::map<std::string, const Diagnostic*> by_file;
  for (const auto& x : d) by_file[std::filesystem::path(x.file).stem().string()] = &x;
  ASSERT_EQ(by_file.size(), 5u) << ::testing::PrintToString(d.size());
  EXPECT_EQ(by_file["a_scalar"]->code, "bad_value");
  EXPECT_EQ(by_file["a_scalar"]->pos.line, 1);
  EXPECT_EQ(by_file["b_list"]->code, "bad_value");
  EXPECT_EQ(by_file["c_empty"]->code, "bad_value");
  EXPECT_EQ(by_file["c_empty"]->pos.line, 1);
  EXPECT_EQ(by_file["d_typo"]->code, "unknown_key");
  EXPECT_EQ(by_file["d_typo"]->pos.line, 2);
  EXPECT_NE(by_file["d_typo"]->message.find("default"), std::string::npos)
      << by_file["d_typo"]->message;
  EXPECT_EQ(by_file["e_default"]->code, "bad_value");
  EXPECT_EQ(by_file["e_default"]->pos.line, 2);
}

// An empty file is refused at its first line: diagnostics are 1-based (docs/workbench.md), and
// an editor has a line to show the problem at.
TEST_F(CompilerTest, AnEmptyFileIsRefusedAtItsFirstLine) {
  EXPECT_EQ(compile(""), nullptr);
  const Diagnostic* d = find("bad_value");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->pos.line, 1);
  EXPECT_EQ(d->pos.col, 1);
  EXPECT_EQ(compile("- a\n"), nullptr);
  ASSERT_NE(find("bad_value"), nullptr) << all();
  EXPECT_EQ(find("bad_value")->pos.line, 1);
}

TEST_F(CompilerTest, ReversePathsAreCheckedAgainstTheCanonicalModel) {
  EXPECT_EQ(compile("mapping: t\nversion: 1\ndirection: reverse\nsource: {canonical: affiliation}\n"
                    "output: {format: json}\nfields:\n  n: affiliation_numbr\n  d: {path: "
                    "affiliated_on, transform: [upper]}\n"),
            nullptr);
  EXPECT_NE(find("unknown_field"), nullptr) << all();
  EXPECT_NE(find("type_mismatch"), nullptr) << all();
}

TEST_F(CompilerTest, ArraysNeedTheirItemsPath) {
  auto m = compile(R"(mapping: t
version: 1
target: family
source: {format: json, root: /}
fields:
  children:
    fields: {first_name: prenom}
)");
  EXPECT_EQ(m, nullptr);
  const Diagnostic* d = find("missing_key");
  ASSERT_NE(d, nullptr) << all();
  EXPECT_EQ(d->key_path, "fields.children");
}

}  // namespace
}  // namespace hub::mapping
