// The replay sample: bounded per mapping, oldest out first, nothing kept when its size is 0.
#include <gtest/gtest.h>

#include "hub/workbench/sample.hpp"

using hub::workbench::AnswerSample;

TEST(AnswerSample, KeepsTheLastNAnswersOfEachMapping) {
  AnswerSample s(3);
  for (int i = 1; i <= 5; ++i) s.keep("dgsn.identity", "answer " + std::to_string(i));
  s.keep("dgct.family", "other");
  EXPECT_EQ(s.answers("dgsn.identity"),
            (std::vector<std::string>{"answer 3", "answer 4", "answer 5"}));
  EXPECT_EQ(s.answers("dgct.family"), std::vector<std::string>{"other"});
  EXPECT_TRUE(s.answers("ompic.company").empty());
}

TEST(AnswerSample, SizeZeroKeepsNothing) {
  AnswerSample s(0);
  s.keep("dgsn.identity", "answer");
  EXPECT_TRUE(s.answers("dgsn.identity").empty());
}
