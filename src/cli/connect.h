/* `moat connect HOST PORT`: run inside a proxy-mode sandbox as ssh's
 * ProxyCommand.  Opens an HTTP CONNECT tunnel through the sandbox's proxy
 * (found in $HTTPS_PROXY, credential included) and copies stdin/stdout. */
#ifndef MOAT_CLI_CONNECT_H
#define MOAT_CLI_CONNECT_H

int connect_main(int argc, char **argv);

#endif
