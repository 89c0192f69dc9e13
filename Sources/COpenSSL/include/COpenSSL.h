#ifndef SECUREMAIL_COPENSSL_H
#define SECUREMAIL_COPENSSL_H

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/asn1.h>

/// OpenSSL version string of the library actually loaded at run time.
const char *securemail_openssl_version(void);

#endif
