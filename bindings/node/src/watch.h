/* The descriptor functions of moat's Node binding (watch.c), registered by addon.c. */
#ifndef MOAT_NODE_WATCH_H
#define MOAT_NODE_WATCH_H

#include "napi_util.h"

/* watch(fd, events, callback(status, events)) -> watcher; rewatch(watcher, events);
 * unwatch(watcher); dupNonblocking(fd) -> fd. */
napi_value watch_fd(napi_env env, napi_callback_info info);
napi_value watch_change(napi_env env, napi_callback_info info);
napi_value watch_stop(napi_env env, napi_callback_info info);
napi_value dup_nonblocking(napi_env env, napi_callback_info info);

#endif
