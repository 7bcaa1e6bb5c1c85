// chtest launcher: runs clickhouse-local from libchdb.so as a long-lived server.
// Usage: launcher LIBCHDB [clickhouse-local args...]
//
// The library is dlopen'ed rather than linked so building this takes a fraction of
// a second and needs no ClickHouse headers.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct chdb_result;
typedef struct chdb_result *(*query_cmdline_fn)(int, char **);
typedef const char *(*result_error_fn)(struct chdb_result *);

static int pty_master = -1;

// drain discards what clickhouse-local echoes to the terminal so the pty never fills up.
static void *drain(void *arg) {
	(void)arg;
	char buf[4096];
	while (read(pty_master, buf, sizeof buf) > 0) {
	}
	return NULL;
}

// attach_pty puts a pseudo-terminal on stdin. With --interactive and a terminal,
// clickhouse-local rejects bad logins and garbage instead of aborting the process.
static int attach_pty(void) {
	pty_master = posix_openpt(O_RDWR | O_NOCTTY);
	if (pty_master < 0 || grantpt(pty_master) != 0 || unlockpt(pty_master) != 0) return -1;
	const char *name = ptsname(pty_master);
	if (name == NULL) return -1;
	int slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0 || dup2(slave, 0) < 0) return -1;
	if (slave != 0) close(slave);
	pthread_t t;
	if (pthread_create(&t, NULL, drain, NULL) != 0) return -1;
	pthread_detach(t);
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: %s LIBCHDB [clickhouse-local args...]\n", argv[0]);
		return 2;
	}
	if (attach_pty() != 0) {
		perror("launcher: pty");
		return 1;
	}
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	if (lib == NULL) {
		fprintf(stderr, "launcher: dlopen: %s\n", dlerror());
		return 1;
	}
	query_cmdline_fn run = (query_cmdline_fn)dlsym(lib, "chdb_query_cmdline");
	result_error_fn errf = (result_error_fn)dlsym(lib, "chdb_result_error");
	if (run == NULL || errf == NULL) {
		fprintf(stderr, "launcher: dlsym: %s\n", dlerror());
		return 1;
	}
	// clickhouse-local sees a normal argv: program name first, then its options.
	argv[1] = "clickhouse-local";
	struct chdb_result *res = run(argc - 1, argv + 1);
	if (res == NULL) {
		fprintf(stderr, "launcher: chdb_query_cmdline returned NULL\n");
		return 1;
	}
	const char *err = errf(res);
	if (err != NULL && err[0] != '\0') {
		fprintf(stderr, "launcher: %s\n", err);
		return 1;
	}
	return 0;
}
