// io.cc — atomic writes through a temporary file, fsync and rename.
#include "io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dataset.h"

namespace actlab::data {

void write_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw DataError(path + ": cannot write (" + std::strerror(errno) + ")");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw DataError(path + ": write failed (" + why + ")");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw DataError(path + ": cannot flush to disk");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw DataError(path + ": cannot replace (" + why + ")");
  }
}

std::string read_file(const std::string& path, std::size_t limit) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError(path + ": cannot open");
  f.seekg(0, std::ios::end);
  const auto size = f.tellg();
  if (size < 0) throw DataError(path + ": cannot read");
  if (static_cast<std::size_t>(size) > limit) throw DataError(path + ": too large");
  f.seekg(0);
  std::string s(static_cast<std::size_t>(size), '\0');
  f.read(s.data(), size);
  if (!f) throw DataError(path + ": cannot read");
  return s;
}

}  // namespace actlab::data
