// A stand-in for libFuzzer's main when building with gcc: runs LLVMFuzzerTestOneInput over every
// file of a seed corpus, then over random mutations of those seeds for a number of seconds.
// No coverage guidance; its job is that every CI run puts hostile input through the parsers
// under AddressSanitizer and UndefinedBehaviorSanitizer. Deterministic: the seed is fixed.
//
// Usage: <target> CORPUS_DIR [SECONDS]

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::string> read_corpus(const std::string& dir) {
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    seeds.push_back(buf.str());
  }
  return seeds;
}

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

// One random edit of the kinds that break parsers: flipped bits, interesting bytes, cuts,
// duplicated and spliced ranges.
std::string mutate(std::string s, const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  static const char kInteresting[] = {'\0', '\xff', '\x7f', '\x80', '"', '\\', '{', '}', '[',
                                      ']',  ',',    ':',    '0',    '9', '-', 'e', '\n'};
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        if (!s.empty()) s[pick(s.size())] = kInteresting[pick(sizeof kInteresting)];
        break;
      case 2:
        if (!s.empty()) s.resize(pick(s.size()));
        break;
      case 3: {
        std::size_t at = pick(s.size() + 1);
        std::size_t len = pick(std::min<std::size_t>(s.size() - std::min(at, s.size()), 64) + 1);
        s.insert(at, s.substr(std::min(at, s.size()), len));
        break;
      }
      case 4: {
        const std::string& other = seeds[pick(seeds.size())];
        std::size_t from = pick(other.size() + 1);
        s = s.substr(0, pick(s.size() + 1)) + other.substr(from);
        break;
      }
      default:
        s.insert(pick(s.size() + 1), 1, static_cast<char>(rng()));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [SECONDS]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> seeds = read_corpus(argv[1]);
  if (seeds.empty()) {
    std::fprintf(stderr, "%s: no seed files in %s\n", argv[0], argv[1]);
    return 2;
  }
  double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  for (const auto& seed : seeds) run(seed);
  run("");
  std::mt19937_64 rng(20261123);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::uint64_t runs = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 64; ++i, ++runs) {
      run(mutate(seeds[rng() % seeds.size()], seeds, rng));
    }
  }
  std::printf("%s: %zu seeds and %llu mutations, no crash\n", argv[0], seeds.size(),
              static_cast<unsigned long long>(runs));
  return 0;
}
