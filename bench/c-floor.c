/*
 * The C ceiling of the TCP sweep: what the kernel allows on this machine, with no runtime at all.
 * Non-blocking connect() on every target, epoll for the answers, the same timeout and concurrency
 * as psm-netcheck, and the same polite close as its tcp probe and the Node floor (FIN, then drain
 * what the peer sent and close on the peer's FIN, or after 250 ms). The benchmark compiles it with
 * the machine's cc and runs it in its namespace next to nmap and the Node floor.
 *
 *   c-floor HOSTS_FILE PORTS TIMEOUT_MS CONCURRENCY STATES_OUT
 * Prints one JSON line (probing wall, CPU) and writes `address:port state` lines to STATES_OUT.
 * Bounded: every target is tried once; the run ends when the last one is settled and closed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GRACE_MS 250.0
#define MAX_ADDRESS 64
#define MAX_PORTS 64

enum state { WAITING, CONNECTING, CLOSING, DONE };
static const char *const NAMES[] = {"open", "closed", "filtered", "error"};

struct target {
  struct sockaddr_in address;
  int fd;
  enum state state;
  int outcome; /* index into NAMES */
  double since; /* when it began connecting, or closing */
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(int who, double *system) {
  struct rusage u;
  getrusage(who, &u);
  *system = u.ru_stime.tv_sec * 1e3 + u.ru_stime.tv_usec / 1e3;
  return u.ru_utime.tv_sec * 1e3 + u.ru_utime.tv_usec / 1e3 + *system;
}

/* Targets in start order, as a FIFO: every attempt has the same timeout, so they expire in order. */
struct fifo {
  int *items;
  size_t head, tail;
};

static void push(struct fifo *f, int index) { f->items[f->tail++] = index; }

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s HOSTS_FILE PORTS TIMEOUT_MS CONCURRENCY STATES_OUT\n", argv[0]);
    return 2;
  }
  const double started = now_ms();
  const double timeout = atof(argv[3]);
  const long concurrency = atol(argv[4]);

  int ports[MAX_PORTS], port_count = 0;
  for (char *p = strtok(argv[2], ","); p != NULL && port_count < MAX_PORTS; p = strtok(NULL, ",")) ports[port_count++] = atoi(p);

  FILE *hosts = fopen(argv[1], "r");
  if (hosts == NULL) {
    perror(argv[1]);
    return 2;
  }
  size_t address_count = 0, capacity = 1024;
  struct in_addr *addresses = malloc(capacity * sizeof *addresses);
  char line[MAX_ADDRESS];
  while (fgets(line, sizeof line, hosts) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0') continue;
    if (address_count == capacity) addresses = realloc(addresses, (capacity *= 2) * sizeof *addresses);
    if (inet_pton(AF_INET, line, &addresses[address_count]) != 1) {
      fprintf(stderr, "not an IPv4 address: %s\n", line);
      return 2;
    }
    address_count++;
  }
  fclose(hosts);

  /* Port-major, as the Node floor and psm-netcheck's scheduler take hosts in turn. */
  const size_t count = address_count * (size_t)port_count;
  struct target *targets = calloc(count, sizeof *targets);
  for (size_t i = 0; i < count; i++) {
    targets[i].address.sin_family = AF_INET;
    targets[i].address.sin_port = htons((uint16_t)ports[i / address_count]);
    targets[i].address.sin_addr = addresses[i % address_count];
    targets[i].fd = -1;
  }
  struct fifo connecting = {calloc(count, sizeof(int)), 0, 0};
  struct fifo closing = {calloc(count, sizeof(int)), 0, 0};

  const int epoll = epoll_create1(0);
  struct epoll_event events[1024];
  size_t next = 0, settled = 0, open_fds = 0;
  /* Probing ends when the last target is settled, as in the Node floor; closes may go on after. */
  double settled_at = started;
  long active = 0;
  char drain[4096];

  while (settled < count || open_fds > 0) {
    if (settled == count && settled_at == started) settled_at = now_ms();
    /* Start what the concurrency allows. */
    while (active < concurrency && next < count) {
      struct target *t = &targets[next];
      t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (t->fd < 0) break; /* out of descriptors: wait for some to close */
      open_fds++;
      t->since = now_ms();
      int r = connect(t->fd, (struct sockaddr *)&t->address, sizeof t->address);
      if (r == 0 || errno == EINPROGRESS) {
        struct epoll_event e = {.events = EPOLLOUT, .data.u64 = next};
        epoll_ctl(epoll, EPOLL_CTL_ADD, t->fd, &e);
        t->state = CONNECTING;
        push(&connecting, (int)next);
        active++;
      } else {
        t->outcome = errno == ECONNREFUSED ? 1 : 3;
        t->state = DONE;
        close(t->fd);
        open_fds--;
        settled++;
      }
      next++;
    }

    /* Sleep until an answer or the next deadline (a connect's timeout, a close's grace). */
    double wake = -1, at = now_ms();
    while (connecting.head < connecting.tail && targets[connecting.items[connecting.head]].state != CONNECTING) connecting.head++;
    while (closing.head < closing.tail && targets[closing.items[closing.head]].state != CLOSING) closing.head++;
    if (connecting.head < connecting.tail) wake = targets[connecting.items[connecting.head]].since + timeout;
    if (closing.head < closing.tail) {
      double grace = targets[closing.items[closing.head]].since + GRACE_MS;
      if (wake < 0 || grace < wake) wake = grace;
    }
    if (settled == count && settled_at == started) settled_at = at;
    int wait = wake < 0 ? 1000 : (int)(wake - at + 1);
    if (wait < 0) wait = 0;
    int ready = epoll_wait(epoll, events, 1024, wait);

    for (int i = 0; i < ready; i++) {
      struct target *t = &targets[events[i].data.u64];
      if (t->state == CONNECTING) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &error, &length);
        active--;
        settled++;
        if (error != 0) {
          t->outcome = error == ECONNREFUSED ? 1 : 3;
          t->state = DONE;
          epoll_ctl(epoll, EPOLL_CTL_DEL, t->fd, NULL);
          close(t->fd);
          open_fds--;
          continue;
        }
        /* Open: the polite close. FIN now, then drain until the peer's FIN or the grace. */
        t->outcome = 0;
        t->state = CLOSING;
        t->since = now_ms();
        shutdown(t->fd, SHUT_WR);
        struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = events[i].data.u64};
        epoll_ctl(epoll, EPOLL_CTL_MOD, t->fd, &e);
        push(&closing, (int)events[i].data.u64);
      } else if (t->state == CLOSING) {
        ssize_t n;
        while ((n = read(t->fd, drain, sizeof drain)) > 0) {
        }
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
          t->state = DONE;
          close(t->fd);
          open_fds--;
        }
      }
    }

    /* Deadlines: connects with no answer are filtered; closes past their grace are released. */
    at = now_ms();
    while (connecting.head < connecting.tail) {
      struct target *t = &targets[connecting.items[connecting.head]];
      if (t->state == CONNECTING) {
        if (t->since + timeout > at) break;
        t->outcome = 2;
        t->state = DONE;
        close(t->fd);
        open_fds--;
        active--;
        settled++;
      }
      connecting.head++;
    }
    while (closing.head < closing.tail) {
      struct target *t = &targets[closing.items[closing.head]];
      if (t->state == CLOSING) {
        if (t->since + GRACE_MS > at) break;
        t->state = DONE;
        close(t->fd);
        open_fds--;
      }
      closing.head++;
    }
  }

  if (settled_at == started) settled_at = now_ms(); /* the last answer and its close came in one pass */
  const double probing = settled_at - started;
  FILE *out = fopen(argv[5], "w");
  if (out == NULL) {
    perror(argv[5]);
    return 2;
  }
  for (size_t i = 0; i < count; i++) {
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &targets[i].address.sin_addr, text, sizeof text);
    fprintf(out, "%s:%d %s\n", text, ntohs(targets[i].address.sin_port), NAMES[targets[i].outcome]);
  }
  fclose(out);
  double system;
  double cpu = cpu_ms(RUSAGE_SELF, &system);
  printf("{\"probingMs\":%.1f,\"cpuMs\":%.1f,\"systemMs\":%.1f}\n", probing, cpu, system);
  return 0;
}
