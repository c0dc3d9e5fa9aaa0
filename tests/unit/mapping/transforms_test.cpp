// Each transform and validator, through a small mapping of its own (so the language is tested
// the way administrators use it), plus the identifier checks from the partners' contracts.
#include "hub/mapping/engine.hpp"
#include "hub/mapping/values.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace hub::mapping {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class Transforms : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, possibly at once: one directory per process.
    dir_ = fs::path(::testing::TempDir()) / ("mapping-transforms-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    write(dir_ / "canonical/sample.yaml", R"(entities:
  sample:
    fields:
      full_name: string
      initials: string
      code: string
      phone: string
      city: string
      title_case: string
      lower_case: string
      count: integer
      amount: decimal
      flag: boolean
      rib: rib
      rc: rc
      fiscal_id: if
      kind: {type: enum, values: [a, b]}
      born: {type: date, partial: true}
      fallback_date: date
      checked: string
      collapsed: string
      upper_case: string
)");
    write(dir_ / "tables/kinds.yaml", "entries: {A: a, B: b}\ndefault: a\n");
    write(dir_ / "test/sample.yaml", R"Y(mapping: test.sample
version: 3
target: sample
source: {format: json, root: /data}
fields:
  full_name: {concat: [first, middle, last], separator: " "}
  initials: {path: tags, transform: [{split: ","}, {join: "+"}]}
  code: {path: ref, transform: [{extract: "REF-([0-9]+)"}], on_error: null}
  phone: {path: phone, transform: [{replace: " ", with: ""}, {regex: "^0[5-7][0-9]{8}$"}], on_error: null}
  city: {path: [ville, commune, province]}
  title_case: {path: name, transform: [title]}
  lower_case: {path: name, transform: [lower]}
  count: {path: n, transform: [integer], on_error: {default: 0}}
  amount: {path: m, transform: [decimal], on_error: null}
  flag: {path: oui, transform: [{boolean: true, true: [oui, O], false: [non, N]}], on_error: null}
  rib: {path: rib, on_error: null}
  rc: {path: rc, on_error: null}
  fiscal_id: {path: if, transform: [{pad_left: 8}], on_error: null}
  kind: {path: kind, transform: [{table: kinds}]}
  born: {path: born, transform: [{date: dd/MM/yyyy, year_only: 00/00/yyyy}], on_error: refuse}
  fallback_date: {path: nothing_here, transform: [{date: yyyy-MM-dd}], default: 2000-01-01, on_error: default}
  checked: {path: status, validate: [{enum: [OK, KO]}], on_error: null}
  collapsed: {path: texte, transform: [collapse_spaces]}
  upper_case: {path: name, transform: [upper]}
)Y");
    write(dir_ / "test/cases/sample.basic.json", R"({"data": {"first": "Ahmed"}})");
    write(dir_ / "test/cases/sample.basic.expected.json", R"({"record": {"full_name": "Ahmed",
      "initials": null, "code": null, "phone": null, "city": null, "title_case": null,
      "lower_case": null, "count": null, "amount": null, "flag": null, "rib": null, "rc": null,
      "fiscal_id": null, "kind": null, "born": null, "fallback_date": "2000-01-01", "checked": null,
      "collapsed": null, "upper_case": null}})");
    auto report = load_mapping_set(dir_);
    ASSERT_TRUE(report.ok()) << report.diagnostics.front().str();
    set_ = report.snapshot;
  }
  static void TearDownTestSuite() { set_.reset(); }

  rapidjson::Document map(const std::string& data, std::vector<FieldProblem>* problems = nullptr) {
    auto r = set_->map("test.sample", R"({"data": )" + data + "}", {});
    rapidjson::Document d;
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return d;
    }
    if (problems) *problems = r->problems;
    d.Parse(r->json.c_str());
    return d;
  }

  static inline fs::path dir_;
  static inline std::shared_ptr<const Snapshot> set_;
};

TEST_F(Transforms, ConcatSplitJoinAndFirstNonEmptyPath) {
  auto d = map(R"({"first": " Ahmed ", "middle": "", "last": "Alaoui", "tags": "a,b,c",
                   "ville": " ", "commune": "Salé", "province": "Rabat"})");
  EXPECT_STREQ(d["full_name"].GetString(), "Ahmed Alaoui");  // the empty part is skipped
  EXPECT_STREQ(d["initials"].GetString(), "a+b+c");
  EXPECT_STREQ(d["city"].GetString(), "Salé");  // blank ville: the next path wins
}

TEST_F(Transforms, ExtractReplaceAndRegex) {
  std::vector<FieldProblem> p;
  auto d = map(R"({"ref": "dossier REF-00123 ouvert", "phone": "06 12 34 56 78"})", &p);
  EXPECT_STREQ(d["code"].GetString(), "00123");
  EXPECT_STREQ(d["phone"].GetString(), "0612345678");
  d = map(R"({"ref": "none", "phone": "12"})", &p);
  EXPECT_TRUE(d["code"].IsNull());
  EXPECT_TRUE(d["phone"].IsNull());
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].code, "no_match");
}

TEST_F(Transforms, CaseOfLatinLettersWithAccents) {
  auto d = map(R"({"name": "éLODIE d'aïn-sebaÂ"})");
  EXPECT_STREQ(d["title_case"].GetString(), "Élodie D'aïn-Sebaâ");
  EXPECT_STREQ(d["lower_case"].GetString(), "élodie d'aïn-sebaâ");
}

TEST_F(Transforms, NumbersBooleansAndDefaults) {
  std::vector<FieldProblem> p;
  auto d = map(R"({"n": "42", "m": "-12.50", "oui": "O"})", &p);
  EXPECT_EQ(d["count"].GetInt(), 42);
  EXPECT_DOUBLE_EQ(d["amount"].GetDouble(), -12.5);
  EXPECT_TRUE(d["flag"].GetBool());
  EXPECT_TRUE(p.empty());
  d = map(R"({"n": "4x2", "m": "1,5", "oui": "peut-être"})", &p);
  EXPECT_EQ(d["count"].GetInt(), 0);  // on_error: {default: 0}
  EXPECT_TRUE(d["amount"].IsNull());
  EXPECT_TRUE(d["flag"].IsNull());
  EXPECT_EQ(p.size(), 3u);
}

TEST_F(Transforms, IdentifiersAreValidated) {
  std::vector<FieldProblem> p;
  auto d = map(R"({"rib": "001810007800020110620318", "rc": "412345", "if": "1234567"})", &p);
  EXPECT_STREQ(d["rib"].GetString(), "001810007800020110620318");
  EXPECT_STREQ(d["rc"].GetString(), "412345");
  EXPECT_STREQ(d["fiscal_id"].GetString(), "01234567");
  EXPECT_TRUE(p.empty());
  d = map(R"({"rib": "001810007800020110620319", "rc": "RC1", "if": "123456789"})", &p);
  EXPECT_TRUE(d["rib"].IsNull());
  EXPECT_TRUE(d["rc"].IsNull());
  EXPECT_TRUE(d["fiscal_id"].IsNull());
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].code, "invalid_rib");
}

TEST_F(Transforms, TablesWithADefaultAndEnumValidators) {
  std::vector<FieldProblem> p;
  auto d = map(R"({"kind": "B", "status": "OK"})", &p);
  EXPECT_STREQ(d["kind"].GetString(), "b");
  EXPECT_STREQ(d["checked"].GetString(), "OK");
  d = map(R"({"kind": "Z", "status": "MAYBE"})", &p);
  EXPECT_STREQ(d["kind"].GetString(), "a");  // the table's default
  EXPECT_TRUE(d["checked"].IsNull());
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].code, "not_in_enum");
}

TEST_F(Transforms, DatesYearOnlyAndRefusal) {
  auto d = map(R"({"born": "00/00/1962"})");
  EXPECT_STREQ(d["born"].GetString(), "1962");
  d = map(R"({"born": "29/02/2024"})");
  EXPECT_STREQ(d["born"].GetString(), "2024-02-29");
  auto r = set_->map("test.sample", R"({"data": {"born": "29/02/2023"}})", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed_response);
  EXPECT_EQ(r.error().detail, "invalid_field");
  EXPECT_NE(r.error().message.find("/born"), std::string::npos);
}

TEST_F(Transforms, ARootThatIsNotThereIsTheWrongRoot) {
  auto r = set_->map("test.sample", R"({"other": {}})", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "wrong_root");
}

// JSON text for s, as a partner would send it.
std::string json_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The record writer escapes a word at a time with special cases for the last, partial word and
// short texts, and moves to the heap past its stack buffer: every length and escape position
// must come back intact.
TEST_F(Transforms, EscapesAtEveryPositionAndLongRecords) {
  for (std::size_t len = 1; len <= 20; ++len)
    for (std::size_t at = 0; at < len; ++at)
      // Control characters other than tab and line feed never get this far: the entry rule
      // refuses them (docs/text.md; the golden cases *.control_*).
      for (char special : {'"', '\\', '\t', '\n'}) {
        std::string text(len, 'a');
        text[at] = special;
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;  // blank
        auto d = map("{\"ville\": " + json_quoted(text) + "}");
        ASSERT_TRUE(d.IsObject() && d["city"].IsString()) << len << " " << at;
        EXPECT_EQ(std::string(d["city"].GetString(), d["city"].GetStringLength()), text)
            << len << " " << at;
      }
  std::string big;
  for (int i = 0; i < 900; ++i) big += "a\"b\\c\td\n \xC3\xA9 ";
  big = big.substr(0, big.size() - 1);  // not blank at the end: nothing for trim to cut
  auto d = map("{\"ville\": " + json_quoted(big) + ", \"name\": " + json_quoted(big) + "}");
  ASSERT_TRUE(d.IsObject() && d["city"].IsString());
  EXPECT_EQ(std::string(d["city"].GetString(), d["city"].GetStringLength()), big);
  EXPECT_EQ(d["lower_case"].GetStringLength(), big.size());
}

// collapse_spaces and upper test eight bytes at a time: compared with the plain definitions on
// texts of every length, with spaces, tabs and line breaks anywhere.
TEST_F(Transforms, CollapseAndUpperAgreeWithTheirDefinitions) {
  const std::string alphabet[] = {"a", "Z", " ", "\t", "\n", "\xC3\xA9", "z", "'"};
  unsigned seed = 7;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    seed = seed * 1103515245u + 12345u;
    for (unsigned n = (seed >> 16) % 40; n; --n) {
      seed = seed * 1103515245u + 12345u;
      text += alphabet[(seed >> 16) % 8];
    }
    std::string collapsed;
    bool space = false;
    for (char c : text) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        space = true;
        continue;
      }
      if (space && !collapsed.empty()) collapsed += ' ';
      space = false;
      collapsed += c;
    }
    std::string upper = text;
    for (std::size_t i = 0; i < upper.size(); ++i) {
      if (upper[i] >= 'a' && upper[i] <= 'z') upper[i] = static_cast<char>(upper[i] - 32);
      if (upper[i] == '\xC3' && i + 1 < upper.size() && upper[i + 1] == '\xA9') upper[++i] = '\x89';
    }
    auto d = map("{\"texte\": " + json_quoted(text) + ", \"name\": " + json_quoted(text) + "}");
    ASSERT_TRUE(d.IsObject()) << text;
    if (collapsed.empty()) {
      EXPECT_TRUE(d["collapsed"].IsNull()) << text;
      continue;
    }
    ASSERT_TRUE(d["collapsed"].IsString()) << text;
    EXPECT_EQ(std::string(d["collapsed"].GetString(), d["collapsed"].GetStringLength()), collapsed)
        << "'" << text << "'";
    EXPECT_EQ(std::string(d["upper_case"].GetString(), d["upper_case"].GetStringLength()), upper)
        << "'" << text << "'";
  }
}

TEST(Dates, PatternsAndCalendar) {
  DatePattern p, y;
  ASSERT_TRUE(compile_date_pattern("dd/MM/yyyy", false, p));
  ASSERT_TRUE(compile_date_pattern("00/00/yyyy", true, y));
  EXPECT_FALSE(compile_date_pattern("dd/MM/yy", false, p));
  EXPECT_FALSE(compile_date_pattern("dd/mm/yyyy", false, p));  // 'm' is a typo for 'M'
  ASSERT_TRUE(compile_date_pattern("dd/MM/yyyy", false, p));
  Date d;
  EXPECT_TRUE(parse_date("29/02/2000", p, d));
  EXPECT_FALSE(parse_date("29/02/1900", p, d));
  EXPECT_FALSE(parse_date("31/04/2020", p, d));
  EXPECT_FALSE(parse_date("1/04/2020", p, d));
  EXPECT_TRUE(parse_date("00/00/1985", y, d));
  EXPECT_TRUE(d.year_only());
  char buf[16];
  EXPECT_EQ(std::string(buf, write_iso_date(d, buf)), "1985");
}

}  // namespace
}  // namespace hub::mapping
