/* SPDX-License-Identifier: Apache-2.0 */
/* Logging to stderr (foreground daemon under systemd or a test), filtered by level. */
#ifndef SKIFF_LOG_H
#define SKIFF_LOG_H

#include <pthread.h>
#include <stdbool.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3, LOG_TRACE = 4 };

extern int log_current_level;

void log_set_level(int level);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Start-up failures only: print and exit(1). Never on client input. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A message that a client can cause over and over (a refused connection, a failed logon) is
 * written within the budget of a struct ratelimit (core/ratelimit.h); the next line written says
 * how many were left out meanwhile, so the log shows the rate without being flooded by it.
 */
struct ratelimit;
/* Log like log_msg unless rl's budget for this interval is spent (then only count it); a line
 * written after some were left out ends with "(N similar suppressed ...)". Returns whether it
 * wrote. Thread-safe. */
bool log_msg_ratelimited(struct ratelimit *rl, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  do { if (log_current_level >= LOG_INFO) log_msg(LOG_INFO, __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_current_level >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...) do { if (log_current_level >= LOG_TRACE) log_msg(LOG_TRACE, __VA_ARGS__); } while (0)

#endif
