#ifndef SLEEVE_CMICROHTTPD_SHIM_H
#define SLEEVE_CMICROHTTPD_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/*
 * Swift does not import variadic C functions, so these fixed-argument wrappers
 * call the variadic libmicrohttpd entry points.
 */

/* Starts a daemon bound to `address` (an AF_INET or AF_INET6 socket address that
 * must stay valid for the duration of the call). Returns NULL on failure. */
static inline struct MHD_Daemon *
sleeve_mhd_start_daemon(unsigned int flags,
                        const struct sockaddr *address,
                        MHD_AccessHandlerCallback handler,
                        void *handler_context,
                        MHD_RequestCompletedCallback completed,
                        void *completed_context,
                        unsigned int thread_pool_size,
                        unsigned int connection_limit,
                        unsigned int connection_timeout_seconds,
                        size_t connection_memory_limit)
{
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_context,
                            MHD_OPTION_SOCK_ADDR, address,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                            MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
                            MHD_OPTION_END);
}

static inline const union MHD_DaemonInfo *
sleeve_mhd_get_daemon_info(struct MHD_Daemon *daemon, enum MHD_DaemonInfoType type)
{
    return MHD_get_daemon_info(daemon, type);
}

static inline const union MHD_ConnectionInfo *
sleeve_mhd_get_connection_info(struct MHD_Connection *connection, enum MHD_ConnectionInfoType type)
{
    return MHD_get_connection_info(connection, type);
}

#endif
