// sharkfin-relay: the OpenSSL surface the relay uses, in one reviewed place.
// SPDX-License-Identifier: Apache-2.0
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// Everything below wraps an OpenSSL *macro*: Swift imports functions and simple integer
// constants but not function-like macros. Each shim keeps the macro's documented name and
// meaning so the Swift side reads like the OpenSSL manual instead of hand-expanding
// SSL_ctrl/BIO_ctrl codes. A shim can go when OpenSSL turns its macro into a real function
// (as 3.0 already did for SSL_CTX_set_options and ERR_GET_LIB/ERR_GET_REASON, which Swift
// calls directly) or when Swift learns to import function-like macros.

// SNI for the ClientHello. Macro over SSL_ctrl(SSL_CTRL_SET_TLSEXT_HOSTNAME) in every
// OpenSSL through 3.x; returns 1 on success.
static inline long copenssl_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

// Lowest protocol version a context will negotiate. Macro over
// SSL_CTX_ctrl(SSL_CTRL_SET_MIN_PROTO_VERSION) since 1.1.0; returns 1 on success.
static inline int copenssl_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

// Adds mode bits (partial writes, moving write buffer). Macro over
// SSL_CTX_ctrl(SSL_CTRL_MODE); returns the new mode bits.
static inline long copenssl_SSL_CTX_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

// A per-SSL ex_data slot for our own per-connection record. Macro over
// CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, ...); returns -1 on failure.
static inline int copenssl_SSL_get_ex_new_index(void) {
    return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

// Retry signalling for our custom socket BIO (read/write hit EAGAIN). Macros over
// BIO_set_flags/BIO_clear_flags whose flag combinations are an OpenSSL detail.
static inline void copenssl_BIO_set_retry_read(BIO *bio) {
    BIO_set_retry_read(bio);
}

static inline void copenssl_BIO_set_retry_write(BIO *bio) {
    BIO_set_retry_write(bio);
}

static inline void copenssl_BIO_clear_retry_flags(BIO *bio) {
    BIO_clear_retry_flags(bio);
}

// The bytes held by a memory BIO (used to print certificate names). Macro over
// BIO_ctrl(BIO_CTRL_INFO); returns the length and points *data at the bytes.
static inline long copenssl_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

// RFC 2253 name printing flags ("CN=localhost,O=Example"). A macro OR-ing other macros,
// some of them casts, which Swift does not import as a constant.
static inline unsigned long copenssl_XN_FLAG_RFC2253(void) {
    return XN_FLAG_RFC2253;
}

#endif
