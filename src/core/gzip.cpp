#include "core/gzip.h"

#include <zlib.h>

namespace aiir::core {

Result<std::string> gunzip(std::string_view compressed, std::size_t max_output) {
  z_stream zs{};
  // 16 + MAX_WBITS: accept the gzip wrapper only.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return internal("zlib failed to initialise");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return invalid("the body is not valid gzip (Content-Encoding: gzip was declared)");
    }
    std::size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > max_output) {
      inflateEnd(&zs);
      return Error(Code::kPayloadTooLarge, "the gzip body expands past the limit of " +
                                               std::to_string(max_output) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_OK && zs.avail_in == 0 && produced == 0) {
      inflateEnd(&zs);
      return invalid("the gzip body is truncated");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string gzip(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace aiir::core
