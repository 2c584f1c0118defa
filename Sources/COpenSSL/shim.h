// sharkfin-relay: the OpenSSL surface the relay uses, in one reviewed place.
// SPDX-License-Identifier: Apache-2.0
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#endif
