// The one translation unit that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION).
//
// Builds without NDEBUG (the sanitizer build, scripts/test) check Beast's BOOST_ASSERTs through
// the handler below, which aborts as assert() would, except for one false alarm of Boost 1.81:
// basic_parser<>::parse_chunk_header asserts `n >= 5` when the final chunk's "0\r\n" came in
// pieces, although 3 or 4 bytes are a valid state there (the code after it returns need_more).
// Upstream corrected the assertion (github.com/boostorg/beast pull request 2861); release builds
// (NDEBUG) never evaluate it. Found by tests/fuzz/fuzz_http_response; the input is in
// tests/fuzz/corpus/http_response/.
#define BOOST_ENABLE_ASSERT_DEBUG_HANDLER
#include <boost/assert.hpp>
#include <boost/beast/src.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
    if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "http/impl/basic_parser.ipp")) return;
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
    std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr,
                 msg);
    std::abort();
}

}  // namespace boost
