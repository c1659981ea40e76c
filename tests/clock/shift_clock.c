/*
 * Moves the wall clock of a process, and of every process it starts, by
 * $KIOSK_CLOCK_SHIFT_SECONDS, for the test suite's second pass ("make
 * test-later"). Only the real-time clocks move: monotonic clocks, sleeps and
 * timed waits are untouched, which is where libfaketime 0.9.10 fails (time.sleep
 * raising EINVAL, or lock timeouts waiting for the shifted deadline).
 *
 * Loaded with LD_PRELOAD; it interposes the C library's clock_gettime,
 * gettimeofday and time, which CPython, SQLite and the coreutils read "now" from.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long shift;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_gettimeofday)(struct timeval *, void *);

__attribute__((constructor)) static void load(void) {
    const char *text = getenv("KIOSK_CLOCK_SHIFT_SECONDS");
    shift = text ? atoll(text) : 0;
    real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    real_gettimeofday = (int (*)(struct timeval *, void *))dlsym(RTLD_NEXT, "gettimeofday");
}

static int is_wall_clock(clockid_t id) {
    return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec *now) {
    int result = real_clock_gettime(id, now);
    if (result == 0 && is_wall_clock(id)) {
        now->tv_sec += shift;
    }
    return result;
}

int gettimeofday(struct timeval *restrict now, void *restrict zone) {
    int result = real_gettimeofday(now, zone);
    if (result == 0) {
        now->tv_sec += shift;
    }
    return result;
}

time_t time(time_t *out) {
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
        return (time_t)-1;
    }
    if (out != NULL) {
        *out = now.tv_sec;
    }
    return now.tv_sec;
}
