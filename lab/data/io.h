// io.h — files written whole or not at all.
#ifndef ACTLAB_LAB_DATA_IO_H_
#define ACTLAB_LAB_DATA_IO_H_

#include <string>
#include <string_view>

namespace actlab::data {

/** Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames
 *  it over `path`: readers see the old file or the new one, never half of one.
 *  Throws DataError naming the path on any failure (and removes the temporary). */
void write_atomically(const std::string& path, std::string_view bytes);

/** The whole file; throws DataError naming the path. `limit`: refuse larger files. */
std::string read_file(const std::string& path, std::size_t limit = std::size_t{1} << 30);

}  // namespace actlab::data

#endif  // ACTLAB_LAB_DATA_IO_H_
