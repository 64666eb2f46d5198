/* The slice of mbedTLS Earshot compiles into both builds: SHA-1 (TURN REST credentials),
   SHA-256 and the generic MD layer for HMAC (SigV4, JWT). Nothing that needs entropy or sockets. */
#ifndef EARSHOT_MBEDTLS_CONFIG_H
#define EARSHOT_MBEDTLS_CONFIG_H
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#include "mbedtls/check_config.h"
#endif
