// run_process.h — run a program with arguments and stdin; capture stdout, stderr, exit status.
#ifndef ACTLAB_TESTS_RUN_PROCESS_H_
#define ACTLAB_TESTS_RUN_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace actlab::testing {

struct ProcessResult {
  int status = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
};

/** interrupt_after_ms > 0: send SIGINT (Ctrl-C) to the program after that many milliseconds. */
inline ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                                 const std::string& input = "", const std::string& workdir = "",
                                 int interrupt_after_ms = 0) {
  const auto started = std::chrono::steady_clock::now();
  bool interrupted = interrupt_after_ms <= 0;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    if (!workdir.empty() && chdir(workdir.c_str()) != 0) _exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Feed stdin and drain both outputs without deadlocking on full pipes.
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) close(in_pipe[1]);
  bool in_open = !input.empty();
  ProcessResult r;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {out_pipe[0], POLLIN, 0};
    if (err_open) fds[n++] = {err_pipe[0], POLLIN, 0};
    if (in_open) fds[n++] = {in_pipe[1], POLLOUT, 0};
    int wait_ms = 60000;
    if (!interrupted) {
      const auto elapsed =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      if (elapsed >= interrupt_after_ms) {
        kill(pid, SIGINT);
        interrupted = true;
      } else {
        wait_ms = static_cast<int>(interrupt_after_ms - elapsed);
      }
    }
    const int ready = poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0 || (ready == 0 && interrupted)) break;
    if (ready == 0) continue;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_pipe[1]) {
        const ssize_t w = write(in_pipe[1], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 || written == input.size()) {
          close(in_pipe[1]);
          in_open = false;
        }
        continue;
      }
      char buf[4096];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        (fds[i].fd == out_pipe[0] ? out_open : err_open) = false;
        continue;
      }
      (fds[i].fd == out_pipe[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
    }
  }
  if (in_open) close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace actlab::testing

#endif  // ACTLAB_TESTS_RUN_PROCESS_H_
