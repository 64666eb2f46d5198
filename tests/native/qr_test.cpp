// The invite QR code: Nayuki's generator behind qr_rows(), checked on its structure (a reader needs the
// three finder patterns and the timing rows) and on its limits.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "earshot/qr.hpp"

namespace earshot {
namespace {

std::vector<std::string> lines(const std::string& rows) {
  std::vector<std::string> out;
  std::istringstream in(rows);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The 7x7 finder pattern whose top-left module is at (x, y).
bool finder_at(const std::vector<std::string>& m, int x, int y) {
  for (int dy = 0; dy < 7; ++dy)
    for (int dx = 0; dx < 7; ++dx) {
      const bool ring = dx == 0 || dy == 0 || dx == 6 || dy == 6;
      const bool core = dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4;
      if ((m[y + dy][x + dx] == '1') != (ring || core)) return false;
    }
  return true;
}

TEST(QrCode, AnInviteLinkBecomesASquareWithFinderAndTimingPatterns) {
  const std::string link = "https://rooms.example.com/room.html?room=3f1c9a6e-1b2d-4c5e-8f70-112233445566";
  const auto m = lines(qr_rows(link));
  ASSERT_GE(m.size(), 21u);
  const int n = static_cast<int>(m.size());
  EXPECT_EQ((n - 17) % 4, 0) << "a QR code is 17 + 4 x version modules wide";
  for (const auto& row : m) ASSERT_EQ(static_cast<int>(row.size()), n);
  EXPECT_TRUE(finder_at(m, 0, 0));
  EXPECT_TRUE(finder_at(m, n - 7, 0));
  EXPECT_TRUE(finder_at(m, 0, n - 7));
  for (int i = 8; i < n - 8; ++i) {
    EXPECT_EQ(m[6][i], i % 2 == 0 ? '1' : '0') << "timing row at " << i;
    EXPECT_EQ(m[i][6], i % 2 == 0 ? '1' : '0') << "timing column at " << i;
  }
  EXPECT_EQ(qr_rows(link), qr_rows(link)) << "deterministic";
  EXPECT_NE(qr_rows(link), qr_rows(link + "x"));
}

TEST(QrCode, TextThatCannotBeEncodedGivesNothing) {
  EXPECT_EQ(qr_rows(""), "");
  EXPECT_EQ(qr_rows(std::string(3000, 'a')), "");
  EXPECT_EQ(qr_rows(std::string("a\0b", 3)), "");
  EXPECT_EQ(lines(qr_rows("HELLO WORLD")).size(), 21u) << "a short text fits version 1";
}

}  // namespace
}  // namespace earshot
